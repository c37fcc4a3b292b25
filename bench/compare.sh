#!/usr/bin/env bash
# bench/compare.sh BASE NEW: instruction counts of two weir binaries on one fixed workload, under
# valgrind's cachegrind (the approach of SQLite's tool/speed-check.sh). Wall-clock figures on a shared
# 2-core machine move by 10% from run to run; instruction counts move by well under 1%, so this is the
# check for "did this change make the hot path cheaper".
#
# Workload (both binaries, each on a fresh data dir): CreateStream with 4 shards, kload put of
# COMPARE_RECORDS records (PutRecords of 500 x 100 bytes, one connection, fixed partition-key seed),
# kload get of all of them, then SIGTERM. One connection and --fsync none (COMPARE_FSYNC) keep the
# sequence of requests and of group commits the same from run to run.
#
# Output: total instructions (Ir) of each server run, the difference, and the functions whose counts
# moved most (cg_diff + cg_annotate). The cachegrind files are kept in COMPARE_OUT (default a temp dir
# that is removed) for a closer look with cg_annotate.
#
#   bash bench/compare.sh build/release/weir.base build/release/weir
#   COMPARE_RECORDS=100000 COMPARE_OUT=/tmp/cg bash bench/compare.sh old/weir new/weir
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

[ $# -eq 2 ] || { echo "usage: bench/compare.sh BASE_WEIR_BINARY NEW_WEIR_BINARY" >&2; exit 2; }
BASE=$1 NEW=$2
RECORDS=${COMPARE_RECORDS:-50000}
FSYNC=${COMPARE_FSYNC:-none}
KLOAD=${KLOAD_BIN:-$ROOT/build/release/bench/kload}
for b in "$BASE" "$NEW" "$KLOAD"; do
  [ -x "$b" ] || { echo "compare: $b is not an executable (build with 'make release')" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "compare: valgrind not found (apt-get install valgrind)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-compare.XXXXXX")
OUT=${COMPARE_OUT:-$TMP/out}
mkdir -p "$OUT"
SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && { echo "compare: server did not stop within 30 s; killing it" >&2; kill -KILL "$SERVER_PID" 2>/dev/null || true; }
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# profile NAME BINARY: run the workload against BINARY under cachegrind; writes $OUT/NAME.cg.
profile() {
  local name=$1 bin=$2 port ep
  port=$(free_port); ep="http://127.0.0.1:$port"
  mkdir -p "$TMP/$name-data"
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$OUT/$name.cg" \
    "$bin" server --data "$TMP/$name-data" --listen "127.0.0.1:$port" --fsync "$FSYNC" >"$TMP/$name.log" 2>&1 &
  SERVER_PID=$!
  if ! "$KLOAD" wait --endpoint "$ep" --timeout-ms 60000; then
    echo "compare: $name ($bin) did not come up; log:" >&2; tail -n 20 "$TMP/$name.log" >&2; exit 1
  fi
  echo "--- $name: $bin"
  local rc=0
  timeout -k 5 600 "$KLOAD" put --endpoint "$ep" --stream cmp --shards 4 --records "$RECORDS" --conns 1 \
    --batch 500 --size 100 --seed 42 --quiet >"$TMP/$name.put" || rc=$?
  timeout -k 5 600 "$KLOAD" get --endpoint "$ep" --stream cmp --records "$RECORDS" --poll-us 1000 --quiet \
    >"$TMP/$name.get" || rc=$?
  grep -hE '^(put|get: check)' "$TMP/$name.put" "$TMP/$name.get" | sed 's/^/    /' || true
  [ "$rc" -eq 0 ] || echo "compare: WARNING: kload reported failures against $name (exit $rc); counts may not compare" >&2
  stop_server
  [ -s "$OUT/$name.cg" ] || { echo "compare: no cachegrind output for $name; log:" >&2; tail -n 20 "$TMP/$name.log" >&2; exit 1; }
}

total_ir() { awk '/^summary:/ {print $2}' "$1"; }

profile base "$BASE"
profile new "$NEW"

IR_BASE=$(total_ir "$OUT/base.cg")
IR_NEW=$(total_ir "$OUT/new.cg")
echo
echo "== instructions executed by the server (cachegrind Ir), $RECORDS records put + get, --fsync $FSYNC =="
awk -v a="$IR_BASE" -v b="$IR_NEW" -v n="$RECORDS" 'BEGIN {
  printf "%-6s %16s %14s\n", "", "Ir", "Ir/record";
  printf "%-6s %16.0f %14.0f\n", "base", a, a / n;
  printf "%-6s %16.0f %14.0f\n", "new", b, b / n;
  printf "change %+15.0f %+13.2f%%\n", b - a, (b - a) * 100 / a }'
if command -v cg_diff >/dev/null && command -v cg_annotate >/dev/null; then
  echo
  echo "== functions that moved most (new - base) =="
  # Binaries at different paths: strip directories so the same function matches in both files.
  cg_diff --mod-filename='s/.*\///' "$OUT/base.cg" "$OUT/new.cg" >"$OUT/diff.cg" 2>/dev/null &&
    cg_annotate "$OUT/diff.cg" 2>/dev/null | awk '/file:function/ {on = 1} on && /^-+$/ && k > 2 {exit} on && NF {print; if (++k > 22) exit}' || true
fi
[ -n "${COMPARE_OUT:-}" ] && echo "compare: cachegrind files in $OUT (cg_annotate $OUT/new.cg)"
exit 0
