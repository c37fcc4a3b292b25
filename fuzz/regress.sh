#!/usr/bin/env bash
# Replays every committed corpus through its libFuzzer target, then fuzzes each target for a short
# time (FUZZ_SECONDS, default 10 per target, so that the twelve targets keep `make test` short; set it
# higher for a deeper run) from that corpus. Any crash, leak or sanitizer report fails the run.
# Usage: fuzz/regress.sh BUILD_DIR [SECONDS]
set -u
out=${1:-build/fuzz}; secs=${2:-${FUZZ_SECONDS:-10}}
cd "$(dirname "$0")/.."
status=0; n=0
for bin in "$out"/*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  case "$bin" in *.o|*.d) continue;; esac
  name=$(basename "$bin")
  corpus=fuzz/corpus/$name
  mkdir -p "$corpus"
  dict=(); [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  work=$(mktemp -d)
  # Replay the committed corpus, then explore for a short while into a scratch dir (the committed
  # corpus is not modified by CI).
  if ! "$bin" "${dict[@]}" -runs=0 "$corpus" >"$work/replay.log" 2>&1; then
    echo "FAIL fuzz replay $name"; tail -40 "$work/replay.log"; status=1
  elif ! "$bin" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" \
        "$work" "$corpus" >"$work/fuzz.log" 2>&1; then
    echo "FAIL fuzz $name"; tail -40 "$work/fuzz.log"; ls "$work"; status=1
  else
    echo "ok   fuzz $name ($(grep -c . <(ls "$corpus")) corpus files, ${secs}s)"
  fi
  n=$((n+1))
  rm -rf "$work"
done
echo "fuzz: $n targets"
exit $status
