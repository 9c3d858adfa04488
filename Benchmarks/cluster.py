"""Cluster benchmark (issue 17): the same CrossComm forwarding and wslink publishing work on one
standalone node and on three `switchboard serve --cluster` nodes through one PostgreSQL, with
the same generator (`switchboard-bench --also-url`: connection i opens node i mod 3, so every
CrossComm pair spans two nodes and two thirds of the publish subscribers sit on other nodes than
the publisher).

    .venv/bin/python Benchmarks/cluster.py [--duration S] [--markdown FILE]

Release binaries (`swift build -c release`), a throwaway PostgreSQL (initdb in a temporary
directory, loopback, stopped at the end; Interop/cluster/postgres_server.py), unpinned: five
processes share the machine's two cores. Server CPU is summed over the nodes; PostgreSQL's CPU is
read from its processes separately. Every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Interop" / "cluster"))
from postgres_server import PostgresServer  # noqa: E402

RELEASE = ROOT / ".build" / "release"
LINE = re.compile(r"^(wslink|crosscomm|siyi) listening on (\S+)")


class Node:
    def __init__(self, workdir: Path, name: str, cluster_url: str | None):
        args = [str(RELEASE / "switchboard"), "serve", "--host", "127.0.0.1", "--port", "0", "--crosscomm-port", "0",
                "--siyi-port", "0", "--crosscomm-files-port", "off", "--log-level", "notice"]
        if cluster_url:
            args += ["--cluster", cluster_url, "--node-id", name]
        self.stderr_path = workdir / f"{name}.stderr"
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "wb"), text=True)
        self.urls: dict[str, str] = {}
        deadline = time.monotonic() + 60
        while len(self.urls) < 3:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"node {name} did not start: {self.stderr_path.read_text()[-2000:]}")
            line = self.proc.stdout.readline()
            match = LINE.match(line)
            if match:
                self.urls[match.group(1)] = match.group(2)
        self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def postgres_pids(postgres: PostgresServer) -> list[int]:
    """The postmaster and its children (backends, walwriter, …)."""
    master = int((postgres.data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master, *map(int, children)]


def bench(scenario: str, nodes: list[Node], protocol: str, duration: float, extra: list[str], postgres=None) -> dict:
    args = [str(RELEASE / "switchboard-bench"), scenario, "--url", nodes[0].urls[protocol],
            "--server-pid", str(nodes[0].proc.pid), "--duration", str(duration), "--settle", "1", *extra]
    for node in nodes[1:]:
        args += ["--also-url", node.urls[protocol], "--also-server-pid", str(node.proc.pid)]
    pg_pids = postgres_pids(postgres) if postgres else []
    started_ticks, started = cpu_ticks(pg_pids), time.monotonic()
    run = subprocess.run(args, capture_output=True, text=True, timeout=duration + 120)
    elapsed = time.monotonic() - started
    pg_pct = (cpu_ticks(pg_pids) - started_ticks) / os.sysconf("SC_CLK_TCK") / elapsed * 100 if postgres else 0.0
    last = (run.stdout.strip().splitlines() or ["failed=run"])[-1]
    fields = dict(part.split("=", 1) for part in last.split() if "=" in part)
    fields["postgres_cpu_pct"] = f"{pg_pct:.1f}"
    if run.returncode != 0:
        fields["failed"] = (run.stdout + run.stderr)[-600:].replace("\n", " ")
    return fields


def row(label: str, nodes: int, fields: dict) -> str:
    rate = float(fields.get("msgs_per_s", 0))
    cpu = float(fields.get("server_cpu_pct", 0))
    pg = float(fields.get("postgres_cpu_pct", 0))
    per_message = (cpu + pg) / 100 / rate * 1e6 if rate else 0
    return (f"| {label} | {nodes} | {rate:,.0f} | {fields.get('p50_ms', '-')} | {fields.get('p99_ms', '-')} | "
            f"{cpu:.0f} | {pg:.0f} | {per_message:.1f} |" + (f" failed: {fields['failed']}" if "failed" in fields else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--markdown")
    options = parser.parse_args()
    for product in ("switchboard", "switchboard-bench"):
        if not (RELEASE / product).exists():
            raise SystemExit(f"build the release products first: swift build -c release --product {product}")
    work = Path(tempfile.mkdtemp(prefix="switchboard-cluster-bench-"))
    cases = [
        ("CrossComm directed forwards (16 clients, 8 pairs)", "crosscomm-forward", "crosscomm", ["--clients", "16", "--payload", "64"]),
        ("CrossComm directed forwards, 8 in flight per client", "crosscomm-forward", "crosscomm",
         ["--clients", "16", "--payload", "64", "--inflight", "8"]),
        ("wslink publish deliveries (16 subscribers)", "wslink-publish", "wslink", ["--clients", "16", "--payload", "64"]),
    ]
    lines = ["| work | nodes | msgs/s | p50 ms | p99 ms | nodes' CPU % | PostgreSQL CPU % | CPU µs per message |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    postgres = PostgresServer()
    try:
        postgres.start()
        for label, scenario, protocol, extra in cases:
            single = Node(work, "single", None)
            try:
                lines.append(row(label, 1, bench(scenario, [single], protocol, options.duration, extra)))
            finally:
                single.stop()
            nodes = []
            try:
                for name in ("a", "b", "c"):
                    nodes.append(Node(work, f"{scenario}-{name}", postgres.url))
                deadline = time.monotonic() + 30
                while not all("joined the cluster" in Path(n.stderr_path).read_text() for n in nodes):
                    if time.monotonic() > deadline:
                        raise SystemExit("nodes did not join the cluster within 30 s")
                    time.sleep(0.1)
                lines.append(row(label, 3, bench(scenario, nodes, protocol, options.duration, extra, postgres)))
            finally:
                for node in nodes:
                    node.stop()
            print(lines[-2], lines[-1], sep="\n", flush=True)
    finally:
        postgres.close()
    table = "\n".join(lines)
    print(table)
    if options.markdown:
        Path(options.markdown).write_text(table + "\n")


if __name__ == "__main__":
    main()
