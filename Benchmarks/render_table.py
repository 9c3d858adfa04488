"""Turns the result lines of Benchmarks/compare.sh into one table with ratios and targets.

    python3 Benchmarks/render_table.py RESULTS.tsv --commit abc123 [--markdown OUT.md]

RESULTS.tsv: one line per run, `case<TAB>server<TAB>switchboard-bench contract line`. With
several rounds, the best run of each (case, server) is kept.
"""

import argparse
import platform
import subprocess
import sys
from datetime import datetime, timezone

# case: (title, metric field, unit, Python-side server, target kind, target value)
CASES = [
    ("echo-64", "echo 64 B, 16 clients", "msgs_per_s", "msg/s", "aiohttp", "ge_ratio", 2.0),
    ("echo-16k", "echo 16 KiB, 16 clients", "msgs_per_s", "msg/s", "aiohttp", "ge_ratio", 2.0),
    ("rpc", "wslink RPC demo.add, 16 clients", "msgs_per_s", "calls/s", "wslink-python", "ge_ratio", 3.0),
    ("rpc-4", "wslink RPC demo.add, 16 clients × 4 in flight", "msgs_per_s", "calls/s", "wslink-python", "ge_ratio", 3.0),
    ("rpc-half", "wslink RPC at half of peak: p99", "p99_ms", "ms", None, "le_value", 1.0),
    ("publish-16", "wslink publish 64 B, 16 subscribers", "msgs_per_s", "deliveries/s", "wslink-python", "ge_ratio", 4.0),
    ("publish-500", "wslink publish 64 B, 500 subscribers", "msgs_per_s", "deliveries/s", "wslink-python", "ge_ratio", 4.0),
    ("publish-listen-16", "wslink publish 64 B, 16 sessions, all announced", "msgs_per_s", "deliveries/s", None, "none", None),
    ("publish-listen-500", "wslink publish 64 B, 500 sessions, 16 announced", "msgs_per_s", "deliveries/s", None, "cpu_within", ("publish-listen-16", 0.2)),
    ("binary", "wslink 64 MiB binary result", "mb_per_s", "MB/s", "wslink-python", "ge_value", 500.0),
    ("crosscomm", "CrossComm directed forwards, 8 pairs", "msgs_per_s", "forwards/s", "pywayne", "ge_ratio", 3.0),
    ("siyi", "siyi echo requests, 16 clients", "msgs_per_s", "requests/s", None, "ge_value", 70_684.0),
    ("idle", "idle wslink sessions (10 000): server RSS per session", "rss_per_session_kib", "KiB", "wslink-python", "le_python", None),
]
PYTHON_NAMES = {"aiohttp": "aiohttp echo", "wslink-python": "wslink 2.6.0", "pywayne": "pywayne 1.0.1.6.7"}


def parse(line: str) -> dict:
    fields = {}
    for token in line.split():
        if "=" in token:
            key, value = token.split("=", 1)
            fields[key] = value
    return fields


def number(fields: dict, key: str):
    try:
        return float(fields[key])
    except (KeyError, ValueError):
        return None


def load(path: str) -> dict:
    best: dict = {}
    with open(path, encoding="utf-8") as results:
        for raw in results:
            parts = raw.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            case, server, line = parts
            fields = parse(line)
            metric = next((c[2] for c in CASES if c[0] == case), "msgs_per_s")
            lower_is_better = metric in ("p99_ms", "rss_per_session_kib")
            old = best.get((case, server))
            value, old_value = number(fields, metric), old and number(old, metric)
            if old is None or (value is not None and (old_value is None or (value < old_value if lower_is_better else value > old_value))):
                best[(case, server)] = fields
    return best


def fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("ms", "KiB"):
        return f"{value:.2f}"
    if unit == "MB/s":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def cell(fields, metric: str, unit: str) -> str:
    if fields is None:
        return "—"
    if "failed" in fields:
        return f"failed ({fields['failed']})"
    text = fmt(number(fields, metric), unit)
    notes = []
    if metric not in ("p99_ms", "rss_per_session_kib") and "p99_ms" in fields:
        notes.append(f"p99 {float(fields['p99_ms']):.2f} ms")
    if "server_cpu_pct" in fields:
        notes.append(f"cpu {float(fields['server_cpu_pct']):.0f}%")
        per = cpu_us_per_unit(fields, metric)
        if per is not None:
            notes.append(f"{per:.1f} µs/{'MB' if metric == 'mb_per_s' else 'msg'}")
    if "client_cpu_pct" in fields and metric != "rss_per_session_kib":
        notes.append(f"gen {float(fields['client_cpu_pct']):.0f}%")
    if fields.get("client_bound") == "yes":
        notes.append("client-bound")
    if fields.get("errors", "0") != "0":
        notes.append(f"{fields['errors']} errors")
    return text + (f" ({', '.join(notes)})" if notes else "")


def cpu_us_per_unit(fields: dict, metric: str):
    """Server CPU µs per message (per MB for throughput rows): CPU share over the rate."""
    cpu, rate = number(fields, "server_cpu_pct"), number(fields, metric)
    if cpu is None or not rate or metric not in ("msgs_per_s", "mb_per_s"):
        return None
    return cpu / 100 * 1e6 / rate


def rows(best: dict):
    for case, title, metric, unit, python, kind, goal in CASES:
        sw = best.get((case, "switchboard"))
        if sw is None:
            continue
        py = best.get((case, python)) if python else None
        raw = best.get((case, "raw-echo"))
        sw_value, py_value = number(sw, metric) if sw else None, number(py, metric) if py else None
        ratio = sw_value / py_value if sw_value and py_value else None
        if kind == "ge_ratio":
            target, met = f"≥ {goal:g}× {PYTHON_NAMES[python]}", ratio is not None and ratio >= goal
        elif kind == "ge_value":
            target, met = f"≥ {goal:g} {unit}", sw_value is not None and sw_value >= goal
        elif kind == "le_value":
            target, met = f"≤ {goal:g} {unit}", sw_value is not None and sw_value <= goal
        elif kind == "le_python":
            target, met = f"≤ {PYTHON_NAMES[python]}'s own", sw_value is not None and py_value is not None and sw_value <= py_value
        elif kind == "cpu_within":
            reference, tolerance = goal
            mine, theirs = cpu_us_per_unit(sw, metric), cpu_us_per_unit(best.get((reference, "switchboard")) or {}, metric)
            target = f"server µs/delivery within {tolerance:.0%} of {reference}"
            met = mine is not None and theirs is not None and abs(mine - theirs) <= tolerance * theirs
            if mine is not None and theirs is not None:
                target += f" ({mine:.2f} vs {theirs:.2f})"
        else:
            target, met = "— (no Python original)", None
        if sw and (sw.get("errors", "0") != "0" or "failed" in sw):
            met = False
        yield {
            "case": title,
            "unit": unit,
            "switchboard": cell(sw, metric, unit),
            "python": f"{cell(py, metric, unit)}" if python else "—",
            "raw": cell(raw, metric, unit) if raw else "—",
            "ratio": f"{ratio:.2f}×" if ratio is not None else "—",
            "target": target,
            "met": "—" if met is None else ("yes" if met else "**no**"),
        }


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        swift = "swift: unknown"
    with open("/proc/loadavg", encoding="utf-8") as load_file:
        load = " ".join(load_file.read().split()[:3])
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores, {model}, Linux {platform.release()}, {swift}; load average at the end {load}"


def render(best: dict, commit: str, duration: str, unpinned: bool = False) -> str:
    header = ["scenario", "unit", "Switchboard", "Python original", "raw hummingbird echo", "Switchboard / Python", "target", "met"]
    lines = [
        f"Measured at commit `{commit}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {duration} s per run; "
        + ("unpinned: server and generator share both cores." if unpinned else "server `taskset -c 0`, generator `taskset -c 1`."),
        f"Machine: {machine()}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows(best):
        lines.append("| " + " | ".join([row["case"], row["unit"], row["switchboard"], row["python"], row["raw"], row["ratio"], row["target"], row["met"]]) + " |")
    lines.append("")
    lines.append("Cells: value (p99 latency, server CPU and generator (`gen`) CPU over the window, % of one core; "
                 "server CPU µs per message (per MB for the binary row); "
                 "`client-bound` = server CPU < 90 %). siyi target: 2× the 35,342 requests/s of c3ef436. "
                 "Python original: aiohttp echo for echo rows, wslink 2.6.0 demo server, pywayne hub.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--duration", default="?")
    parser.add_argument("--markdown")
    parser.add_argument("--unpinned", action="store_true")
    args = parser.parse_args()
    table = render(load(args.results), args.commit, args.duration, args.unpinned)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(table + "\n")
        print(f"\nmarkdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
