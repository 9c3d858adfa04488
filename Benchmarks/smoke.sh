#!/usr/bin/env bash
# Smoke test of the benchmark tools (run by scripts/test): every switchboard-bench scenario for
# about a second against the debug `switchboard serve` (echo also against `switchboard-echo`,
# wslink-publish also against the Python wslink demo server when SWITCHBOARD_WSLINK2_PYTHON is
# set). Checks that the contract line parses, something was measured and errors=0; it asserts
# nothing about speed.
#
#   Benchmarks/smoke.sh [BUILD_DIR]        (default .build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug}
for product in switchboard switchboard-echo switchboard-bench; do
  [ -x "$bin/$product" ] || { echo "bench smoke: $bin/$product missing (swift build first)"; exit 1; }
done
ulimit -n 4096 2>/dev/null || true

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE PATTERN PID: the server's listener line, within 30 s.
wait_for() {
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "bench smoke: server exited: $(tail -5 "$1.err" 2>/dev/null)"; return 1; }
    sleep 0.1
  done
  echo "bench smoke: no '$2' within 30 s"
  return 1
}

"$bin/switchboard" serve --host 127.0.0.1 --port 0 --crosscomm-port 0 --siyi-port 0 --log-level error \
  >"$work/serve" 2>"$work/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
"$bin/switchboard-echo" --port 0 >"$work/echo" 2>"$work/echo.err" &
echo_pid=$!
pids+=("$echo_pid")
wait_for "$work/serve" "siyi listening on" "$serve_pid"
wait_for "$work/echo" "echo listening on" "$echo_pid"
url() { grep -oE "$1 listening on \S+" "$2" | awk '{print $4}'; }
wslink_url=$(url wslink "$work/serve")
crosscomm_url=$(url crosscomm "$work/serve")
siyi_url=$(url siyi "$work/serve")
echo_url=$(url echo "$work/echo")

passed=0
failed=0
# check NAME PID ARGS...: one ~1 s run; the last line must be the contract line with errors=0.
check() {
  local name=$1 pid=$2 line
  shift 2
  line=$("$bin/switchboard-bench" "$@" --duration 1 --warmup 0.2 --server-pid "$pid" 2>&1 | tail -1) || true
  if [[ "$line" =~ ^scenario=$1\ msgs_per_s=([0-9.]+)\ p50_ms=[0-9.]+\ p99_ms=[0-9.]+\ errors=0(\ |$) ]] \
    && [ "${BASH_REMATCH[1]%.*}" -gt 0 ]; then
    passed=$((passed + 1))
    echo "ok   $name: $line"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $line"
  fi
}

check "echo binary via /echo" "$serve_pid" echo --url "${wslink_url%/ws}/echo" --clients 4 --payload 64
check "echo text via /echo" "$serve_pid" echo --url "${wslink_url%/ws}/echo" --clients 4 --payload 1000 --text --inflight 4
check "echo raw switchboard-echo" "$echo_pid" echo --url "$echo_url" --clients 4 --payload 16384
check "wslink-rpc demo.add" "$serve_pid" wslink-rpc --url "$wslink_url" --clients 4
check "wslink-rpc demo.echo paced" "$serve_pid" wslink-rpc --url "$wslink_url" --clients 4 --payload 64 --rate 200
check "wslink-publish" "$serve_pid" wslink-publish --url "$wslink_url" --clients 4 --batch 20
check "wslink-binary" "$serve_pid" wslink-binary --url "$wslink_url" --payload $((256 << 10))
check "crosscomm-forward" "$serve_pid" crosscomm-forward --url "$crosscomm_url" --clients 4
check "siyi-request" "$serve_pid" siyi-request --url "$siyi_url" --clients 4
check "idle-sessions" "$serve_pid" idle-sessions --url "$wslink_url" --clients 50

if [ -n "${SWITCHBOARD_WSLINK2_PYTHON:-}" ]; then
  "$SWITCHBOARD_WSLINK2_PYTHON" Interop/wslink/demo_server_v2.py --host 127.0.0.1 --port 0 --timeout 0 \
    >"$work/python" 2>"$work/python.err" &
  python_pid=$!
  pids+=("$python_pid")
  wait_for "$work/python" "interop: port" "$python_pid"
  python_url="ws://127.0.0.1:$(grep -oE "interop: port [0-9]+" "$work/python" | awk '{print $3}')/ws"
  check "wslink-publish (Python demo.flood)" "$python_pid" wslink-publish --url "$python_url" --clients 4 --batch 20
fi

echo "bench smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
