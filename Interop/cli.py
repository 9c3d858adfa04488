"""Drives the `switchboard` client commands (wslink/crosscomm/siyi) as a script would, and
starts the Python originals they are checked against.

    rc, out, err = run_cli("wslink", "call", url, "demo.add", "1", "2")
    with Listener("siyi", "listen", url, "--count", "1") as listener:
        listener.wait_ready()                  # the command's "switchboard: …" line on stderr
        ...
        rc, lines = listener.finish()          # exit status and stdout JSON lines

Every wait has a deadline, and every process started here is killed at the end.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO_ROOT, server_binary

CLI_TIMEOUT = 30.0


def run_cli(*args: str, timeout: float = CLI_TIMEOUT) -> tuple[int, str, str]:
    """Run `switchboard ARGS…` to completion: (exit status, stdout, stderr)."""
    proc = subprocess.run([str(server_binary()), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")


def json_lines(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _pump(stream, sink: queue.Queue) -> None:
    for raw in stream:
        sink.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    sink.put(None)


class Listener:
    """A `switchboard` command running in the background (subscribe / listen)."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([str(server_binary()), *args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout: queue.Queue[str | None] = queue.Queue()
        self.stderr: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        self.lines: list = []
        threading.Thread(target=_pump, args=(self.proc.stdout, self.stdout), daemon=True).start()
        threading.Thread(target=_pump, args=(self.proc.stderr, self.stderr), daemon=True).start()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def wait_ready(self, marker: str = "switchboard: ", timeout: float = 20.0) -> str:
        """The first stderr line starting with `marker` (the command's readiness note)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {marker!r} line on stderr within {timeout} s: {self.stderr_lines}")
            try:
                line = self.stderr.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=10)
                raise AssertionError(f"exited {self.proc.returncode} before it was ready: {self.stderr_lines}")
            self.stderr_lines.append(line)
            if line.startswith(marker):
                return line

    def next_json(self, timeout: float = 20.0):
        """The next stdout line as JSON, waiting (bounded) for it; kept for `finish`."""
        try:
            line = self.stdout.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output line within {timeout} s; stderr: {self.stderr_lines}")
        if line is None:
            self.stdout.put(None)
            raise AssertionError(f"exited before printing another line; stderr: {self.stderr_lines}")
        self.lines.append(json.loads(line))
        return self.lines[-1]

    def finish(self, timeout: float = CLI_TIMEOUT) -> tuple[int, list]:
        """Wait (bounded) for the command to exit: (exit status, stdout as JSON lines)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"still running after {timeout} s; stderr: {self.stderr_lines}")
        lines = self.lines
        while (line := self.stdout.get(timeout=10)) is not None:
            if line.strip():
                lines.append(json.loads(line))
        while (line := self.stderr.get(timeout=10)) is not None:
            self.stderr_lines.append(line)
        return code, lines


class PythonPeer:
    """A Python server started for a test; `url` comes from the line it prints when ready."""

    def __init__(self, cmd: list[str], ready: re.Pattern, url_of, cwd: Path | None = None, env=None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=cwd, env=env)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, lines), daemon=True).start()
        seen = []
        deadline = time.monotonic() + 60
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise AssertionError(f"{cmd} printed no ready line within 60 s: {seen}")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.stop()
                raise AssertionError(f"{cmd} exited ({self.proc.returncode}) before it was ready: {seen}")
            seen.append(line)
            match = ready.search(line)
            if match:
                self.url = url_of(match)
                return

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def wslink2_python() -> str:
    """wslink 2.6.0's interpreter (scripts/test builds .venv-wslink2); fails, never skips."""
    python = os.environ.get("SWITCHBOARD_WSLINK2_PYTHON") or str(REPO_ROOT / ".venv-wslink2" / "bin" / "python")
    if not Path(python).exists():
        raise AssertionError(f"wslink 2.6.0 venv missing at {python} (run scripts/test or set SWITCHBOARD_WSLINK2_PYTHON)")
    return python


def python_wslink_server() -> PythonPeer:
    """Python wslink 2.6.0 serving the demo protocol (Interop/wslink/demo_server_v2.py) on a free port."""
    script = REPO_ROOT / "Interop" / "wslink" / "demo_server_v2.py"
    return PythonPeer([wslink2_python(), "-u", str(script), "--host", "127.0.0.1", "--port", "0", "--timeout", "0"],
                      re.compile(r"^interop: port (\d+)$"), lambda m: f"ws://127.0.0.1:{m.group(1)}/ws")


def pywayne_hub(workdir: Path) -> PythonPeer:
    """pywayne 1.0.1.6.7's own CrossComm hub (Benchmarks/peers/pywayne_server.py) on a free port."""
    script = REPO_ROOT / "Benchmarks" / "peers" / "pywayne_server.py"
    return PythonPeer([sys.executable, "-u", str(script), "--port", "0"],
                      re.compile(r"^crosscomm listening on (ws://\S+)$"), lambda m: m.group(1), cwd=workdir)
