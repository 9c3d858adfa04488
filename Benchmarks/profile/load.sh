#!/usr/bin/env bash
# Saturating load for profiling: a release `switchboard serve` pinned to core 0, wsload.c
# (C, one thread, closed loop) pinned to core 1. Prints wsload's msgs/s, the server's CPU
# share and CPU µs per message over the measured window; with PERF=1 also a perf profile of
# that window split by component (classify.py).
#
#   Benchmarks/profile/load.sh echo 16 5 64
#   Benchmarks/profile/load.sh echo 16 5 16384
#   Benchmarks/profile/load.sh rpc 16 5
#   Benchmarks/profile/load.sh publish 16 5
#   Benchmarks/profile/load.sh crosscomm 16 5
#
# Environment: SWITCHBOARD_BIN (default .build/release/switchboard), PROFILE_OUT (default
# .build/profile), PERF=1 to sample with `perf record -e cpu-clock`.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
mode="${1:?mode: echo | rpc | publish | crosscomm}"
clients="${2:-16}"
seconds="${3:-5}"
size="${4:-64}"
binary="${SWITCHBOARD_BIN:-$root/.build/release/switchboard}"
out="${PROFILE_OUT:-$root/.build/profile}"
mkdir -p "$out"
[[ -x "$binary" ]] || { echo "no release binary at $binary (swift build -c release --product switchboard)" >&2; exit 1; }
if [[ ! -x "$out/wsload" || "$root/Benchmarks/profile/wsload.c" -nt "$out/wsload" ]]; then
    cc -O2 -Wall -o "$out/wsload" "$root/Benchmarks/profile/wsload.c"
fi

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

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
taskset -c 1 "$out/wsload" "$mode" "$port" "$clients" "$seconds" "$size" >"$out/$tag.result" &
load=$!
sleep 1  # wsload's warm-up second
before="$(cpu_ticks)"
if [[ "${PERF:-0}" == 1 ]]; then
    perf record -q -e cpu-clock -F 2000 ${PERF_GRAPH:+-g} -p "$server" -o "$out/$tag.perf" -- sleep "$seconds" 2>/dev/null
else
    sleep "$seconds"
fi
after="$(cpu_ticks)"
wait "$load"
result="$(cat "$out/$tag.result")"
hz="$(getconf CLK_TCK)"
messages="$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' <<<"$result")"
cpu_us="$(python3 -c "print(f'{1e6 * ($after - $before) / $hz / max(1, $messages):.2f}')")"
cpu_pct="$(python3 -c "print(f'{100 * ($after - $before) / $hz / $seconds:.0f}')")"
echo "$result server_cpu_pct=$cpu_pct server_cpu_us_per_msg=$cpu_us"
if [[ "${PERF:-0}" == 1 ]]; then
    perf report -i "$out/$tag.perf" --stdio --no-children --sort dso,sym -g none --percent-limit 0 2>/dev/null \
        | python3 "$root/Benchmarks/profile/classify.py" --label "$mode clients=$clients size=$size" --cpu-us-per-msg "$cpu_us"
fi
