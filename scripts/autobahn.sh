#!/usr/bin/env bash
# Autobahn|Testsuite (fuzzingclient) against `switchboard serve`'s /echo endpoint.
#
#   scripts/autobahn.sh [quick|full]
#
#   quick (default)  cases 1.* … 7.* and 10.*  (247 cases, ~15 s against a correct server)
#   full             cases 9.*, 12.*, 13.*    (270 cases, ~10 min against a RELEASE build;
#                    the debug build is far slower on 12/13 and may hit the timeout):
#                      swift build -c release && SWITCHBOARD_BIN=.build/release/switchboard scripts/autobahn.sh full
#
# Environment:
#   SWITCHBOARD_BIN   server binary (default: .build/debug/switchboard, relative to the repo root)
#   AUTOBAHN_CASES    optional comma-separated case patterns overriding the mode's list (e.g. "9.*")
#
# The test suite is Python 2 only (autobahntestsuite 25.10.1). It is installed into
# .venv-autobahn, made from pyenv's Python 2.7.18 with virtualenv 16.7.12. Nothing is ever
# installed into the 2.7 interpreter itself.
# Reports: reports/autobahn/<mode>/index.html (+ index.json).
# Prints failed cases, then a final line `autobahn: N passed, M failed`; exits non-zero
# if any case failed or the run did not complete.
set -euo pipefail

mode="${1:-quick}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

case "$mode" in
  quick)
    cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"]'
    wstest_timeout=180
    expected_cases=247
    ;;
  full)
    cases='["9.*", "12.*", "13.*"]'
    wstest_timeout=1500
    expected_cases=270
    ;;
  *)
    echo "usage: $0 [quick|full]" >&2
    exit 2
    ;;
esac
if [[ -n "${AUTOBAHN_CASES:-}" ]]; then
  expected_cases=0  # unknown for a custom selection
  cases="$(python3 -c 'import json,sys; print(json.dumps([c.strip() for c in sys.argv[1].split(",") if c.strip()]))' "$AUTOBAHN_CASES")"
fi

bin="${SWITCHBOARD_BIN:-.build/debug/switchboard}"
if [[ ! -x "$bin" ]]; then
  echo "autobahn: server binary '$bin' not found or not executable (build it, or set SWITCHBOARD_BIN)" >&2
  exit 1
fi

# --- Python 2.7 venv with wstest --------------------------------------------------------
venv="$repo_root/.venv-autobahn"
wstest="$venv/bin/wstest"

find_python27() {
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)/versions/2.7.18/bin/python")
  fi
  candidates+=("${PYENV_ROOT:-$HOME/.pyenv}/versions/2.7.18/bin/python" "$HOME/.pyenv/versions/2.7.18/bin/python")
  local c
  for c in "${candidates[@]}"; do
    if [[ -x "$c" ]] && "$c" -c 'import sys; sys.exit(0 if sys.version_info[:3] == (2, 7, 18) else 1)' 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

wstest_works() {
  [[ -x "$wstest" ]] && "$wstest" --help >/dev/null 2>&1
}

if ! wstest_works; then
  if ! py27="$(find_python27)"; then
    echo "autobahn: FAILED: Python 2.7.18 not found (looked for \$(pyenv root)/versions/2.7.18/bin/python and ~/.pyenv/versions/2.7.18/bin/python)." >&2
    echo "autobahn: autobahntestsuite needs Python 2.7; install it with 'pyenv install 2.7.18'." >&2
    exit 1
  fi
  echo "autobahn: creating $venv from $py27"
  rm -rf "$venv"
  tooldir="$(mktemp -d "${TMPDIR:-/tmp}/autobahn-virtualenv.XXXXXX")"
  # Only virtualenv goes into a scratch --target dir; the 2.7 interpreter stays untouched.
  "$py27" -m pip install --disable-pip-version-check -q --target "$tooldir" virtualenv==16.7.12
  PYTHONPATH="$tooldir" "$py27" -m virtualenv -q "$venv"
  rm -rf "$tooldir"
  "$venv/bin/pip" install --disable-pip-version-check -q autobahntestsuite==25.10.1
  if ! wstest_works; then
    echo "autobahn: FAILED: wstest does not run after installing autobahntestsuite into $venv" >&2
    exit 1
  fi
fi

# --- server -----------------------------------------------------------------------------
outdir="$repo_root/reports/autobahn/$mode"
rm -rf "$outdir"
mkdir -p "$outdir"
workdir="$(mktemp -d "${TMPDIR:-/tmp}/autobahn-run.XXXXXX")"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$bin" serve --host 127.0.0.1 --port 0 --crosscomm-port off --siyi-port off \
  --max-message-size 16777216 --log-level warning \
  >"$workdir/server.out" 2>"$outdir/server.log" &
server_pid=$!

port=""
deadline=$((SECONDS + 20))
while [[ -z "$port" ]]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "autobahn: FAILED: server exited before listening; its output:" >&2
    cat "$workdir/server.out" "$outdir/server.log" >&2 || true
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "autobahn: FAILED: server printed no 'wslink listening on' line within 20 s" >&2
    cat "$workdir/server.out" >&2 || true
    exit 1
  fi
  port="$(sed -n 's#^wslink listening on ws://127\.0\.0\.1:\([0-9][0-9]*\)/.*#\1#p' "$workdir/server.out" | head -n1)"
  [[ -n "$port" ]] || sleep 0.1
done
url="ws://127.0.0.1:$port/echo"
echo "autobahn: server pid $server_pid on $url ($bin), mode $mode"

# --- wstest -----------------------------------------------------------------------------
config="$workdir/fuzzingclient.json"
python3 - "$config" "$outdir" "$url" "$cases" <<'EOF'
import json, sys
path, outdir, url, cases = sys.argv[1:5]
json.dump({
    "options": {"failByDrop": False},
    "outdir": outdir,
    "servers": [{"agent": "switchboard", "url": url}],
    "cases": json.loads(cases),
    "exclude-cases": [],
    "exclude-agent-cases": {},
}, open(path, "w"), indent=2)
EOF

started=$SECONDS
set +e
(cd "$workdir" && timeout --kill-after=10 "$wstest_timeout" "$wstest" -m fuzzingclient -s "$config") \
  >"$outdir/wstest.log" 2>&1
wstest_rc=$?
set -e
echo "autobahn: wstest finished in $((SECONDS - started)) s (exit $wstest_rc); log: $outdir/wstest.log"
if [[ $wstest_rc -eq 124 || $wstest_rc -eq 137 ]]; then
  echo "autobahn: FAILED: wstest exceeded ${wstest_timeout} s (index.json is only written at the end)" >&2
fi

# --- verdict ----------------------------------------------------------------------------
server_alive=1
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "autobahn: the server died during the run; see $outdir/server.log" >&2
  server_alive=0
fi
echo "autobahn: report: $outdir/index.html"
set +e
python3 - "$outdir/index.json" "$cases" "$wstest_rc" "$server_alive" "$expected_cases" <<'EOF'
import fnmatch, json, os, sys

index_path, patterns = sys.argv[1], json.loads(sys.argv[2])
wstest_rc, server_alive, expected = int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
passing = {"OK", "NON-STRICT", "INFORMATIONAL"}
if not os.path.exists(index_path):
    print("autobahn: no report at %s (run did not complete)" % index_path)
    print("autobahn: 0 passed, 1 failed")
    sys.exit(1)
report = json.load(open(index_path)).get("switchboard", {})

def key(case_id):
    return tuple(int(p) for p in case_id.split("."))

passed, failed = 0, []
for case_id in sorted(report, key=key):
    r = report[case_id]
    behavior, close = r.get("behavior", "MISSING"), r.get("behaviorClose", "MISSING")
    if behavior in passing and close != "FAILED":
        passed += 1
    else:
        failed.append((case_id, behavior, close))
for case_id, behavior, close in failed:
    print("autobahn: FAILED case %s: behavior=%s behaviorClose=%s" % (case_id, behavior, close))
# A pattern that selected nothing means cases went missing.
for pattern in patterns:
    if not any(fnmatch.fnmatchcase(c, pattern) for c in report):
        print("autobahn: FAILED: no results for case pattern %s" % pattern)
        failed.append((pattern, "MISSING", "MISSING"))
if expected and len(report) < expected:
    print("autobahn: FAILED: only %d of %d cases reported" % (len(report), expected))
    failed.append(("report", "MISSING", "MISSING"))
incomplete = wstest_rc != 0 or not server_alive
if wstest_rc != 0:
    print("autobahn: wstest exited with %d" % wstest_rc)
print("autobahn: %d passed, %d failed" % (passed, len(failed)))
sys.exit(1 if failed or incomplete else 0)
EOF
verdict=$?
set -e
exit $verdict
