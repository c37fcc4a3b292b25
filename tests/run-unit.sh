#!/usr/bin/env bash
# Runs every unit test binary under build/<mode>/tests/unit and prints one closing line
# "N passed, N failed" (tests counted from cmocka's summary lines). Exit status non-zero on any failure.
set -u
out=${1:-build/debug}
pass=0; fail=0; bad_bins=()
for bin in $(find "$out/tests/unit" -type f -perm -u+x -name 'test_*' | sort); do
  log=$(mktemp)
  if "$bin" >"$log" 2>&1; then rc=0; else rc=$?; fi
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$rc" -ne 0 ]; then bad_bins+=("$bin"); cat "$log"; else echo "ok   $bin ($p tests)"; fi
  rm -f "$log"
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#bad_bins[@]} -eq 0 ]
