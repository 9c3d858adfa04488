#!/usr/bin/env bash
# Saturating load for profiling: a release `switchboard serve` pinned to core 0, the
# project's load generator `switchboard-bench` pinned to core 1. Prints the generator's result
# line plus the server's CPU µs per message over the measured window; with PERF=1 also a perf
# profile of that window split by component (classify.py).
#
#   Benchmarks/profile/load.sh echo 16 5 64
#   Benchmarks/profile/load.sh echo 16 5 16384
#   Benchmarks/profile/load.sh rpc 16 5
#   Benchmarks/profile/load.sh publish 16 5
#   Benchmarks/profile/load.sh crosscomm 16 5
#
# Environment: SWITCHBOARD_BIN (default .build/release/switchboard), BENCH_BIN (default
# .build/release/switchboard-bench), PROFILE_OUT (default .build/profile), PERF=1 to sample
# with `perf record -e cpu-clock`.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
mode="${1:?mode: echo | rpc | publish | crosscomm}"
clients="${2:-16}"
seconds="${3:-5}"
size="${4:-64}"
binary="${SWITCHBOARD_BIN:-$root/.build/release/switchboard}"
out="${PROFILE_OUT:-$root/.build/profile}"
mkdir -p "$out"
bench="${BENCH_BIN:-$root/.build/release/switchboard-bench}"
for program in "$binary" "$bench"; do
    [[ -x "$program" ]] || { echo "no release binary at $program (swift build -c release --product switchboard --product switchboard-bench)" >&2; exit 1; }
done
case "$mode" in
    echo) scenario=(echo --url "/echo" --payload "$size") ;;
    rpc) scenario=(wslink-rpc --url "/ws") ;;
    publish) scenario=(wslink-publish --url "/ws") ;;
    crosscomm) scenario=(crosscomm-forward --url "/crosscomm") ;;
    *) echo "mode: echo | rpc | publish | crosscomm" >&2; exit 2 ;;
esac

tag="$mode-$$"
fifo="$out/$tag.fifo"
rm -f "$fifo" && mkfifo "$fifo"
taskset -c 0 "$binary" serve --port 0 --crosscomm-port off --siyi-port off --log-level warning >"$fifo" 2>"$out/$tag.log" &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$fifo"; }
trap cleanup EXIT
port=""
exec 3<"$fifo"
while IFS= read -r -t 60 line <&3; do
    if [[ "$line" =~ ^wslink\ listening\ on\ ws://127\.0\.0\.1:([0-9]+)/ ]]; then port="${BASH_REMATCH[1]}"; break; fi
done
[[ -n "$port" ]] || { echo "server did not start; see $out/$tag.log" >&2; exit 1; }
cat <&3 >/dev/null &
exec 3<&-

scenario[2]="ws://127.0.0.1:$port${scenario[2]}"
# The generator measures after a warm-up of at most one second; perf samples the same window.
taskset -c 1 "$bench" "${scenario[@]}" --clients "$clients" --duration "$seconds" --warmup 1 \
    --server-pid "$server" >"$out/$tag.result" 2>&1 &
load=$!
if [[ "${PERF:-0}" == 1 ]]; then
    sleep 1
    perf record -q -e cpu-clock -F 2000 ${PERF_GRAPH:+-g} -p "$server" -o "$out/$tag.perf" -- sleep "$seconds" 2>/dev/null
fi
wait "$load"
result="$(tail -n 1 "$out/$tag.result")"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $result"; }
cpu_us="$(python3 -c "print(f'{1e6 * $(field server_cpu_pct) / 100 / max(1.0, $(field msgs_per_s)):.2f}')")"
echo "$result server_cpu_us_per_msg=$cpu_us"
if [[ "${PERF:-0}" == 1 ]]; then
    perf report -i "$out/$tag.perf" --stdio --no-children --sort dso,sym -g none --percent-limit 0 2>/dev/null \
        | python3 "$root/Benchmarks/profile/classify.py" --label "$mode clients=$clients size=$size" --cpu-us-per-msg "$cpu_us"
fi
