#!/usr/bin/env bash
# weir's end-to-end harness: runs every tests/e2e/test_*.py (with /usr/bin/python3, where Debian's boto3
# loads), test_*.mjs (node) and test_*.sh (bash); each test starts its own server on a free loopback port
# with a temp data dir and stops it by PID. Sums the files' "N passed, N failed" lines and ends with one
# line exactly "N passed, N failed"; exits non-zero if anything failed.
#   WEIR_BIN=/abs/path/weir bash tests/e2e/run.sh [name-substring ...]
#   TARGET=kinesalite bash tests/e2e/run.sh     # validate the tests against kinesalite (weir-only tests skip)
# Env: E2E_SLOW=1 (heavier variants), E2E_FILE_TIMEOUT (seconds per file, default 900),
#      E2E_ROUNDTRIP_RECORDS, E2E_CRASH_ITERATIONS, E2E_FORCE=1 (weir-only tests under kinesalite too).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
export TARGET=${TARGET:-weir}
export PYTHONDONTWRITEBYTECODE=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
PY=/usr/bin/python3
FILE_TIMEOUT=${E2E_FILE_TIMEOUT:-900}

if [ "$TARGET" = kinesalite ]; then
  if [ ! -f node_modules/kinesalite/index.js ]; then
    echo "run.sh: node_modules/kinesalite missing; run: bash scripts/install-deps.sh"
    echo "0 passed, 1 failed"; exit 1
  fi
else
  if [ -z "${WEIR_BIN:-}" ] || [ ! -x "${WEIR_BIN}" ]; then
    echo "run.sh: WEIR_BIN='${WEIR_BIN:-}' is not an executable (or use TARGET=kinesalite)"
    echo "0 passed, 1 failed"; exit 1
  fi
  case "$WEIR_BIN" in /*) ;; *) WEIR_BIN=$ROOT/$WEIR_BIN ;; esac
  export WEIR_BIN
fi

files=()
for f in tests/e2e/test_*.py tests/e2e/test_*.mjs tests/e2e/test_*.sh; do
  [ -f "$f" ] || continue
  if [ $# -gt 0 ]; then
    keep=0
    for pat in "$@"; do case "$f" in *"$pat"*) keep=1 ;; esac; done
    [ $keep = 1 ] || continue
  fi
  files+=("$f")
done

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e-run.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT
total_pass=0
total_fail=0
summary=()
start_all=$(date +%s)

for f in "${files[@]}"; do
  case "$f" in
    *.py)  cmd=("$PY" -u "$f") ;;
    *.mjs) cmd=(node "$f") ;;
    *.sh)  cmd=(bash "$f") ;;
  esac
  log="$LOGDIR/$(basename "$f").log"
  echo "=== $f"
  t0=$(date +%s)
  timeout --kill-after=20 "$FILE_TIMEOUT" "${cmd[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  dt=$(( $(date +%s) - t0 ))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    p=0; fl=1
    echo "FAIL $f: no 'N passed, N failed' line (exit $rc$([ "$rc" = 124 ] && echo ", timed out after ${FILE_TIMEOUT}s"))"
  else
    p=${line%% passed*}
    fl=${line#*, }; fl=${fl%% failed*}
    if [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; then
      fl=1
      echo "FAIL $f: exited $rc although it reported no failures"
    fi
  fi
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + fl))
  summary+=("$(printf '%-32s %4d passed, %3d failed  %4ds' "$(basename "$f")" "$p" "$fl" "$dt")")
done

echo "=== summary (TARGET=$TARGET, $(( $(date +%s) - start_all ))s)"
for s in "${summary[@]}"; do echo "  $s"; done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
