#!/usr/bin/env bash
# Runs load.sh for every scenario against several server binaries in alternation and prints
# the median server CPU µs per message and msgs/s per binary and scenario.
#
#   Benchmarks/profile/compare.sh REPEATS before=/tmp/switchboard-old after=.build/release/switchboard
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
repeats="${1:?repeats}"
shift
seconds="${SECONDS_PER_RUN:-4}"
results="$(mktemp)"
scenarios=("rpc 16 $seconds" "publish 16 $seconds" "echo 16 $seconds 64" "echo 16 $seconds 16384" "crosscomm 16 $seconds")
for run in $(seq "$repeats"); do
    for scenario in "${scenarios[@]}"; do
        for pair in "$@"; do
            label="${pair%%=*}"
            line="$(SWITCHBOARD_BIN="${pair#*=}" "$root/Benchmarks/profile/load.sh" $scenario | tail -1)"
            echo "$label $line" | tee -a "$results" >&2
        done
    done
done
python3 - "$results" <<'PY'
import collections, re, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    fields = dict(re.findall(r"(\w+)=(\S+)", line))
    label = line.split()[0]
    rows[(fields["scenario"], fields["payload"], label)].append((float(fields["server_cpu_us_per_msg"]), float(fields["msgs_per_s"]), float(fields["server_cpu_pct"])))
print(f"{'scenario':22} {'binary':10} {'cpu_us/msg':>10} {'msgs/s':>10} {'server_cpu%':>11}  runs")
for (mode, size, label), values in sorted(rows.items()):
    cpu = statistics.median(v[0] for v in values)
    rate = statistics.median(v[1] for v in values)
    share = statistics.median(v[2] for v in values)
    print(f"{mode + ' ' + size + ' B':22} {label:10} {cpu:>10.2f} {rate:>10,.0f} {share:>11.0f}  {len(values)}")
PY
rm -f "$results"
