#!/usr/bin/env bash
# Instruction counts that do not depend on the machine's load (Benchmarks/PROFILE.md):
#
#   Benchmarks/profile/callgrind.sh rpc  BIN      # instructions per wslink RPC (demo.add)
#   Benchmarks/profile/callgrind.sh idle BIN      # Swift tasks alive with 100 and 400 idle sessions
#
# BIN is a release `switchboard-profile-server` (its synchronous main is what valgrind can run).
# Needs valgrind >= 3.22 (Swift 6.3 writes DWARF 5; Debian 12's 3.19 gives up on it): set
# VALGRIND to its launcher, e.g. Debian 13's package unpacked with `dpkg -x valgrind_*.deb DIR`
# and VALGRIND_LIB=DIR/usr/libexec/valgrind VALGRIND=DIR/usr/bin/valgrind.bin.
#
# rpc: two runs of `switchboard-bench wslink-rpc` (16 clients, no warm-up) of 4 s and 12 s
# against the server under callgrind; instructions per call = the difference of the totals over
# the difference of the calls, so start-up and shutdown cancel out. Repeatable to about 1 %.
# idle: the server exits (callgrind dumps) while N sessions are open and idle; tasks alive =
# swift_task_create calls minus destroyTask calls.
set -euo pipefail
mode=${1:?rpc or idle}
bin=${2:?server binary}
root="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$root/.build/release/switchboard-bench"
valgrind=${VALGRIND:-valgrind}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start() {  # start SECONDS OUT -> sets pid, url
    "$valgrind" --tool=callgrind --callgrind-out-file="$2" "$bin" "$1" >"$work/server.log" 2>/dev/null &
    pid=$!
    for _ in $(seq 600); do grep -q "listening on" "$work/server.log" && break; sleep 0.2; done
    url=$(grep -oE "ws://\S+" "$work/server.log")
}

calls() {  # calls OUT NAME -> total calls into NAME
    python3 - "$1" "$2" <<'PY'
import re, sys
names, total, callee = {}, 0, None
for line in open(sys.argv[1], errors="replace"):
    match = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
    if match:
        kind, ident, name = match.groups()
        if name: names[ident] = name.strip()
        if kind == "cfn": callee = names.get(ident)
        continue
    match = re.match(r"calls=(\d+)", line)
    if match and callee == sys.argv[2]: total += int(match.group(1))
print(total)
PY
}

case "$mode" in
rpc)
    declare -A instructions calls_made
    for duration in 4 12; do
        start $((duration + 25)) "$work/rpc.$duration"
        line=$(taskset -c 1 "$bench" wslink-rpc --url "$url" --clients 16 --duration "$duration" --warmup 0 | tail -1)
        wait "$pid" || true
        rate=$(grep -oE "msgs_per_s=[0-9.]+" <<<"$line" | cut -d= -f2)
        instructions[$duration]=$(grep -E "^(summary|totals):" "$work/rpc.$duration" | head -1 | awk '{print $2}')
        calls_made[$duration]=$(python3 -c "print(round($rate * $duration))")
        echo "run ${duration}s: instructions=${instructions[$duration]} calls=${calls_made[$duration]}"
    done
    python3 -c "print(f'instructions per RPC: {(${instructions[12]} - ${instructions[4]}) / (${calls_made[12]} - ${calls_made[4]}):,.0f}')"
    ;;
idle)
    for clients in 100 400; do
        start 30 "$work/idle.$clients"
        timeout 60 "$bench" idle-sessions --url "$url" --clients "$clients" --duration 50 >/dev/null 2>&1 &
        generator=$!
        wait "$pid" || true
        kill "$generator" 2>/dev/null || true
        wait "$generator" 2>/dev/null || true
        created=$(calls "$work/idle.$clients" swift_task_create)
        destroyed=$(calls "$work/idle.$clients" "destroyTask(swift::HeapObject*)")
        echo "$clients idle sessions: tasks created $created, destroyed $destroyed, alive $((created - destroyed))"
    done
    ;;
*) echo "mode is rpc or idle" >&2; exit 64 ;;
esac
