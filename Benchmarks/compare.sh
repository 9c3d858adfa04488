#!/usr/bin/env bash
# Side-by-side benchmarks (issue 7): every scenario against Switchboard, the Python original and
# the raw echo servers, in alternation, with the same load generator; prints one table.
#
#   Benchmarks/compare.sh [--duration S] [--rounds N] [--markdown FILE] [--results FILE] [--only CASE[,CASE]] [--unpinned]
#
# Server pinned to core 0 (taskset -c 0), generator to core 1 (taskset -c 1), loopback only.
# Switchboard sizes its event loops from its CPU affinity (ServerEventLoops): one loop thread
# when pinned. --unpinned lets both sides use both cores (two loop threads): how throughput
# scales from one loop to two, with the generator sharing the cores.
# Builds the release products, installs the Python peers into .venv-bench, starts a fresh server
# for every run and kills it afterwards (and on exit). The measuring part takes about 4 minutes
# with the default 5 s per run (well under the 10-minute bound); it stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=5
rounds=1
markdown=""
keep_results=""
only=""
unpinned=""
server_cpus=(taskset -c 0)
generator_cpus=(taskset -c 1)
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --markdown) markdown=$2; shift 2 ;;
    --results) keep_results=$2; shift 2 ;;
    --unpinned) server_cpus=(); generator_cpus=(); unpinned=--unpinned; shift ;;
    --only) only=",$2,"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }

echo "== release build"
for product in switchboard switchboard-echo switchboard-bench; do
  swift build -c release --product "$product" 2>&1 | grep -E "error|warning: unre|Compiling|Build of" | grep -v "^\[" || true
done
bin="$root/.build/release"
# SWITCHBOARD_BENCH_BIN: another generator binary (compare two commits with the same generator).
generator="${SWITCHBOARD_BENCH_BIN:-$bin/switchboard-bench}"
for product in switchboard switchboard-echo switchboard-bench; do
  [ -x "$bin/$product" ] || { echo "release build of $product failed" >&2; exit 1; }
done

echo "== python peers (.venv-bench)"
stamp=.venv-bench/.requirements.sha256
wanted=$(cat Benchmarks/requirements-bench.txt scripts/requirements-crosscomm-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ ! -x .venv-bench/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check -r Benchmarks/requirements-bench.txt
  .venv-bench/bin/pip install --quiet --disable-pip-version-check --no-deps -r scripts/requirements-crosscomm-nodeps.txt
  echo "$wanted" > "$stamp"
fi
py="$root/.venv-bench/bin/python"
"$py" -c 'from importlib.metadata import version as v; print("wslink", v("wslink"), "aiohttp", v("aiohttp"), "pywayne", v("pywayne"))'

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# start_server KIND: starts a fresh server pinned to core 0; sets server_pid and the urls.
start_server() {
  local kind=$1 out="$work/$1.out" pattern
  case "$kind" in
    switchboard)
      "${server_cpus[@]}" "$bin/switchboard" serve --host 127.0.0.1 --port 0 --crosscomm-port 0 --siyi-port 0 \
        --log-level error >"$out" 2>"$work/$kind.err" &
      pattern="siyi listening on" ;;
    raw-echo) "${server_cpus[@]}" "$bin/switchboard-echo" --port 0 >"$out" 2>"$work/$kind.err" & pattern="echo listening on" ;;
    aiohttp) "${server_cpus[@]}" "$py" Benchmarks/peers/aiohttp_echo.py --port 0 >"$out" 2>"$work/$kind.err" & pattern="echo listening on" ;;
    wslink-python)
      "${server_cpus[@]}" "$py" Interop/wslink/demo_server_v2.py --host 127.0.0.1 --port 0 --timeout 0 >"$out" 2>"$work/$kind.err" &
      pattern="interop: port" ;;
    pywayne) "${server_cpus[@]}" "$py" Benchmarks/peers/pywayne_server.py --port 0 >"$out" 2>"$work/$kind.err" & pattern="crosscomm listening on" ;;
  esac
  server_pid=$!
  for _ in $(seq 600); do
    grep -q "$pattern" "$out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "$kind exited: $(tail -5 "$work/$kind.err")" >&2; return 1; }
    sleep 0.1
  done
  grep -q "$pattern" "$out" || { echo "$kind did not start within 60 s: $(tail -5 "$out" "$work/$kind.err")" >&2; return 1; }
  case "$kind" in
    switchboard)
      wslink_url=$(grep -oE "wslink listening on \S+" "$out" | awk '{print $4}')
      echo_url="${wslink_url%/ws}/echo"
      crosscomm_url=$(grep -oE "crosscomm listening on \S+" "$out" | awk '{print $4}')
      siyi_url=$(grep -oE "siyi listening on \S+" "$out" | awk '{print $4}') ;;
    raw-echo|aiohttp) echo_url=$(grep -oE "echo listening on \S+" "$out" | awk '{print $4}') ;;
    wslink-python) wslink_url="ws://127.0.0.1:$(grep -oE "interop: port [0-9]+" "$out" | awk '{print $3}')/ws" ;;
    pywayne) crosscomm_url=$(grep -oE "crosscomm listening on \S+" "$out" | awk '{print $4}') ;;
  esac
}

results="$work/results.tsv"
: >"$results"
# measure CASE KIND URLVAR SCENARIO ARGS...: one fresh server, one generator run, one result line.
measure() {
  local case=$1 kind=$2 urlvar=$3 scenario=$4
  shift 4
  # One retry: on a loaded machine a start can miss the deadline.
  if ! start_server "$kind"; then
    stop_server
    start_server "$kind" || { stop_server; printf '%s\t%s\t%s\n' "$case" "$kind" "scenario=$scenario failed=start" >>"$results"; return 0; }
  fi
  local url=${!urlvar} line
  sleep 0.3
  line=$("${generator_cpus[@]}" "$generator" "$scenario" --url "$url" --server-pid "$server_pid" --duration "$duration" "$@" 2>&1 | tail -1) || true
  stop_server
  case "$line" in scenario=*) ;; *) line="scenario=$scenario failed=run ${line//[$'\t\n']/ }" ;; esac
  printf '  %-12s %-14s %s\n' "$case" "$kind" "$line"
  printf '%s\t%s\t%s\n' "$case" "$kind" "$line" >>"$results"
}

wanted() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

started=$SECONDS
echo "== measuring: ${duration}s per run, $rounds round(s), server on core 0, generator on core 1; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "-- round $round"
  if wanted echo-64; then
    for kind in switchboard raw-echo aiohttp; do measure echo-64 $kind echo_url echo --clients 16 --payload 64; done
  fi
  if wanted echo-16k; then
    for kind in switchboard raw-echo aiohttp; do measure echo-16k $kind echo_url echo --clients 16 --payload 16384; done
  fi
  if wanted rpc; then
    for kind in switchboard wslink-python; do measure rpc $kind wslink_url wslink-rpc --clients 16; done
  fi
  if wanted rpc-4; then
    # Four calls in flight per connection: the generator batches its writes, so the servers
    # rather than the generator's syscalls are the bound (the same load for both servers).
    for kind in switchboard wslink-python; do measure rpc-4 $kind wslink_url wslink-rpc --clients 16 --inflight 4; done
  fi
  if wanted rpc-half; then
    peak=$(grep -P "^rpc\tswitchboard\t" "$results" | grep -oE "msgs_per_s=[0-9]+" | cut -d= -f2 | sort -n | tail -1)
    half=$(( ${peak:-20000} / 2 ))
    measure rpc-half switchboard wslink_url wslink-rpc --clients 16 --rate "$half"
  fi
  if wanted publish-16; then
    for kind in switchboard wslink-python; do measure publish-16 $kind wslink_url wslink-publish --clients 16 --payload 64; done
  fi
  if wanted publish-500; then
    for kind in switchboard wslink-python; do measure publish-500 $kind wslink_url wslink-publish --clients 500 --payload 64; done
  fi
  if wanted publish-listen; then
    # Announced subscriptions (issue 19): 16 sessions announced the topic, alone and among 484
    # that announced another one; server CPU per delivery should not depend on the bystanders.
    measure publish-listen-16 switchboard wslink_url wslink-publish --clients 16 --listeners 16 --payload 64
    measure publish-listen-500 switchboard wslink_url wslink-publish --clients 500 --listeners 16 --payload 64
  fi
  if wanted binary; then
    # At least 10 s: the Python demo server needs several seconds to build one 64 MiB result.
    for kind in switchboard wslink-python; do
      # Two calls in flight: the server builds the next result while the last one is on the wire,
      # so the bound is the server's work, not the round trip between two sequential calls.
      measure binary $kind wslink_url wslink-binary --clients 1 --inflight 2 --duration $((duration < 10 ? 10 : duration))
    done
  fi
  if wanted crosscomm; then
    for kind in switchboard pywayne; do measure crosscomm $kind crosscomm_url crosscomm-forward --clients 16 --payload 64; done
  fi
  if wanted siyi; then
    measure siyi switchboard siyi_url siyi-request --clients 16 --payload 64
  fi
  if wanted idle; then
    for kind in switchboard wslink-python; do measure idle $kind wslink_url idle-sessions --clients 10000 --duration 3; done
  fi
done
echo "== measured in $((SECONDS - started)) s"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -qv '^??' && echo "+dirty" || true)
[ -n "$keep_results" ] && cp "$results" "$keep_results"
python3 Benchmarks/render_table.py "$results" --commit "$commit$dirty" --duration "$duration" ${markdown:+--markdown "$markdown"} $unpinned
