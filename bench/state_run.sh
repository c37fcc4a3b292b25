#!/usr/bin/env bash
# bench/state_run.sh: `make bench-state`, the streaming state table against Redis (bench/README.md).
#
# Runs build/release/bench/state_bench (BENCH_STATE_KEYS distinct 16-byte keys, 8-byte values: put, get,
# upsert, checkpoint, restore), then starts Debian's redis-server on a free loopback port (no persistence)
# and drives it with redis-benchmark (SET then GET, BENCH_STATE_KEYS requests over a keyspace of the same
# size, 8-byte values, pipelined), and prints one table with the ratio. Redis runs only when
# redis-server and redis-benchmark are installed (scripts/install-deps.sh installs them); otherwise its
# column is empty. The server is stopped by PID and the temp dir removed on every exit path.
#
# What the ratio compares: weir's table is a library call in the operator's thread; Redis answers over a
# loopback socket with pipelining, its usual best case. Both are single-threaded key-value stores of the
# same keys, so the ratio says what an in-process state table saves over keeping operator state in Redis.
#
# Environment (defaults in brackets):
#   BENCH_STATE_KEYS [10000000]   keys (and redis-benchmark requests per test)
#   BENCH_REDIS_PIPELINE [64]     requests per pipeline
#   BENCH_REDIS_CLIENTS [4]       redis-benchmark connections
#   BENCH_PEER [redis]            "none" skips Redis
#   BENCH_RESULTS [unset]         also append every "RESULT target=.. name=.. value=.." line to this file
#   STATE_BENCH_BIN               default build/release/bench/state_bench
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

N=${BENCH_STATE_KEYS:-10000000}
PIPE=${BENCH_REDIS_PIPELINE:-64}
CLIENTS=${BENCH_REDIS_CLIENTS:-4}
PEER=${BENCH_PEER:-redis}
BIN=${STATE_BENCH_BIN:-$ROOT/build/release/bench/state_bench}
[ -x "$BIN" ] || { echo "bench-state: $BIN not found; run 'make release' (or 'make bench-state')" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-state.XXXXXX")
REDIS_PID=""
cleanup() {
  if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
  fi
  [ -z "$REDIS_PID" ] || wait "$REDIS_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R
record() {  # record TARGET NAME VALUE
  R[$1.$2]=$3
  [ -z "${BENCH_RESULTS:-}" ] || printf 'RESULT target=%s name=%s value=%s\n' "$1" "$2" "$3" >>"$BENCH_RESULTS"
}

echo "bench-state: $(nproc) cores, $(uname -sr); $N keys of 16 bytes, 8-byte values"
echo "--- weir state table: $BIN $N"
/usr/bin/time -f "%e s wall, %M KB peak RSS" "$BIN" "$N" >"$TMP/weir.out" 2>"$TMP/weir.err" || {
  cat "$TMP/weir.out" "$TMP/weir.err" >&2; echo "bench-state: state_bench failed" >&2; exit 1; }
grep -v '^RESULT ' "$TMP/weir.out" | sed 's/^/    /'
sed 's/^/    /' "$TMP/weir.err"
while read -r _ name value; do record weir "${name#name=}" "${value#value=}"; done < <(grep '^RESULT ' "$TMP/weir.out")
# wall-clock rates too: redis-benchmark can only measure wall time
for op in put get; do
  secs=$(awk -v op="$op" '$1 == op {print $7}' "$TMP/weir.out")
  record weir "${op}_wall_per_s" "$(awk -v n="$N" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')"
done

if [ "$PEER" = redis ]; then
  if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    echo "bench-state: redis-server/redis-benchmark not installed (bash scripts/install-deps.sh); skipping Redis" >&2
    PEER=none
  fi
fi
if [ "$PEER" = redis ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$TMP" \
    --logfile "$TMP/redis.log" &
  REDIS_PID=$!
  for _ in $(seq 1 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$PORT" ping >/dev/null || { echo "bench-state: redis-server did not start" >&2; tail "$TMP/redis.log" >&2; exit 1; }
  echo "--- redis $(redis-server --version | awk '{print $3}'): redis-benchmark -t set,get -n $N -r $N -d 8 -P $PIPE -c $CLIENTS"
  timeout -k 5 600 redis-benchmark -h 127.0.0.1 -p "$PORT" -t set,get -n "$N" -r "$N" -d 8 -P "$PIPE" -c "$CLIENTS" \
    --csv >"$TMP/redis.csv" 2>"$TMP/redis.err" || { cat "$TMP/redis.err" >&2; echo "bench-state: redis-benchmark failed" >&2; exit 1; }
  sed 's/^/    /' "$TMP/redis.csv"
  record redis put_wall_per_s "$(awk -F'"' '$2 == "SET" {printf "%.0f", $4}' "$TMP/redis.csv")"
  record redis get_wall_per_s "$(awk -F'"' '$2 == "GET" {printf "%.0f", $4}' "$TMP/redis.csv")"
  keys=$(redis-cli -p "$PORT" dbsize)
  mem=$(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  record redis bytes_per_entry "$(awk -v m="$mem" -v k="$keys" 'BEGIN {printf "%.1f", m / k}')"
  echo "    redis: $keys keys, used_memory $((mem / 1000000)) MB"
fi

v() { echo "${R[$1.$2]:-}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print ""; else printf "%.1fx", a / b }'; }
echo
echo "== weir state table vs redis-server: $N keys, one core each =="
fmt="%-34s %14s %14s %10s\n"
printf "$fmt" "metric" "weir" "redis" "ratio"
printf "$fmt" "puts/s (wall clock)" "$(v weir put_wall_per_s)" "$(v redis put_wall_per_s)" "$(ratio "$(v weir put_wall_per_s)" "$(v redis put_wall_per_s)")"
printf "$fmt" "gets/s (wall clock)" "$(v weir get_wall_per_s)" "$(v redis get_wall_per_s)" "$(ratio "$(v weir get_wall_per_s)" "$(v redis get_wall_per_s)")"
printf "$fmt" "puts/s (thread CPU)" "$(v weir put_per_s)" "" ""
printf "$fmt" "gets/s (thread CPU)" "$(v weir get_per_s)" "" ""
printf "$fmt" "in-place updates/s (thread CPU)" "$(v weir upsert_per_s)" "" ""
printf "$fmt" "bytes per entry" "$(v weir bytes_per_entry)" "$(v redis bytes_per_entry)" ""
printf "$fmt" "full checkpoint MB/s (fsync)" "$(v weir checkpoint_mb_per_s)" "" ""
printf "$fmt" "restore entries/s" "$(v weir restore_per_s)" "" ""
printf "$fmt" "ordered puts/s (N/10, skiplist)" "$(v weir ordered_put_per_s)" "" ""
echo "bench-state: ok"
