"""A throwaway PostgreSQL server for the cluster tests: initdb in a temporary directory,
started on a free loopback port as an unprivileged user, always stopped at the end.

The server binaries come from Debian's `postgresql` package (scripts/test installs it when
missing); nothing installed by hand is used.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TIMEOUT = 60


def bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise AssertionError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (scripts/test installs postgresql)")
    return Path(candidates[-1]).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl, as `nobody` when run as root."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
        os.chmod(self.root, 0o755)
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="nobody")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "switchboard", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgres://switchboard@127.0.0.1:{self.port}/postgres"

    def run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, timeout=TIMEOUT, cwd=self.root)
        if result.returncode != 0:
            raise AssertionError(f"{tool} failed ({result.returncode}): {result.stdout.decode()[-2000:]} {result.stderr.decode()[-2000:]}\n{self.log_text()}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def wait_until(predicate, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
