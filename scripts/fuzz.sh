#!/usr/bin/env bash
# Runs the libFuzzer targets for a bounded time and keeps what they find.
#
#   scripts/fuzz.sh [target|all] [seconds]     (default: all, 60 s each)
#   FUZZ_JOBS=2 scripts/fuzz.sh all 300        (two targets at once; the machine is shared, 2 is the cap)
#
# Builds the env-gated `switchboard-fuzz` executable (SWITCHBOARD_FUZZ=1, libFuzzer + ASan) in
# .build-fuzz, writes seed corpora from the golden vectors (Tests/Vectors), runs each target
# under `nice -n 19`, copies any crash / leak / timeout / oom input into
# Fuzz/Regressions/<target>/ (replayed by `swift test`), prints execs, exec/s, coverage and
# corpus size per target, and exits non-zero if anything crashed.
# The working corpus in .build-fuzz/corpus/<target> persists, so runs add up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
targets_all=(msgpack wslink-v2 wslink-v1 crosscomm siyi json upgrade)
which=${1:-all}
seconds=${2:-60}
jobs=${FUZZ_JOBS:-1}
[ "$jobs" -le 2 ] || { echo "FUZZ_JOBS is capped at 2 (shared machine)"; exit 2; }
if [ "$which" = all ]; then
  targets=("${targets_all[@]}")
elif printf '%s\n' "${targets_all[@]}" | grep -qx -- "$which"; then
  targets=("$which")
else
  echo "unknown target '$which'; one of: all ${targets_all[*]}"
  exit 2
fi

scratch=.build-fuzz
vectors=$root/Tests/Vectors

echo "== build (libFuzzer + AddressSanitizer, release, $scratch)"
set +e
# --sanitize makes SwiftPM link the executable for libFuzzer (no `main` of its own); the
# explicit -sanitize=fuzzer,address is what instruments: SwiftPM passes the two sanitizers as
# separate -sanitize= flags and swiftc keeps only the last, which silently drops coverage.
SWITCHBOARD_FUZZ=1 swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address \
  --scratch-path "$scratch" --product switchboard-fuzz 2>&1 \
  | grep -vE "^\[[0-9]+/[0-9]+\]|unhandled; explicitly declare|Cannot export local symbol"
build_status=${PIPESTATUS[0]}
set -e
[ "$build_status" -eq 0 ] || { echo "fuzz build failed (exit $build_status)"; exit 1; }
binary=$scratch/release/switchboard-fuzz
if ! readelf -W -S "$binary" | grep -q __sancov_cntrs; then
  echo "fuzz build has no coverage instrumentation (__sancov_cntrs missing in $binary)"
  exit 1
fi

echo "== seeds from $vectors"
python3 scripts/fuzz-seeds.py "$vectors" "$scratch/seeds"

run_target() {
  local target=$1 corpus=$scratch/corpus/$1 artifacts=$scratch/artifacts/$1/ log=$scratch/logs/$1.log
  # Artifacts of earlier runs were already copied to Fuzz/Regressions; start clean.
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")" "Fuzz/Regressions/$target"
  # Leak checking stays off: the Swift runtime's lazily built metadata caches are never freed
  # and LeakSanitizer reports them as leaks of whichever input first touched a type.
  SWITCHBOARD_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 nice -n 19 "$binary" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$corpus" "$scratch/seeds/$target" "Fuzz/Seeds/$target" "Fuzz/Regressions/$target" >"$log" 2>&1
}

summarize() {
  local target=$1 status=$2 log=$scratch/logs/$1.log found=0 file
  for file in "$scratch/artifacts/$target"/{crash,leak,timeout,oom,slow-unit}-*; do
    [ -e "$file" ] || continue
    case "$file" in */slow-unit-*) continue ;; esac
    cp "$file" "Fuzz/Regressions/$target/"
    found=$((found + 1))
  done
  local execs rate cov corpus files
  execs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  rate=$(grep -oE "stat::average_exec_per_sec: +[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "$log" | tail -1 || echo "cov: ?")
  corpus=$(grep -oE "corp: [0-9]+/[0-9]+[a-zA-Z]*" "$log" | tail -1 | cut -d' ' -f2 || echo "?")
  files=$(find "$scratch/corpus/$target" -type f | wc -l)
  printf '%-10s %4ss  execs %-10s exec/s %-6s %-19s corpus %-10s (%s files) %s\n' "$target" "$seconds" "$execs" "$rate" "$cov" "$corpus" "$files" \
    "$([ "$status" -eq 0 ] && [ "$found" -eq 0 ] && echo ok || echo "FAILED (exit $status, $found new input(s) in Fuzz/Regressions/$target)")"
  echo "$(date -u +%FT%TZ) $target seconds=$seconds execs=$execs exec_per_sec=$rate $cov corpus=$corpus files=$files status=$status found=$found" >>"$scratch/fuzz-history.log"
  [ "$status" -eq 0 ] && [ "$found" -eq 0 ]
}

echo "== fuzzing ${targets[*]} for ${seconds}s each, $jobs at a time"
failed=0
pending=("${targets[@]}")
declare -A running=()
while [ ${#pending[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
  while [ ${#pending[@]} -gt 0 ] && [ ${#running[@]} -lt "$jobs" ]; do
    run_target "${pending[0]}" &
    running[$!]=${pending[0]}
    pending=("${pending[@]:1}")
  done
  set +e
  wait -n -p done_pid "${!running[@]}"
  status=$?
  set -e
  summarize "${running[$done_pid]}" "$status" || failed=1
  unset "running[$done_pid]"
done

[ "$failed" -eq 0 ] || { echo "fuzz: crashes found; inputs kept under Fuzz/Regressions/ (logs in $scratch/logs/)"; exit 1; }
echo "fuzz: ${#targets[@]} target(s), no crash"
