"""Fixtures for the interop suite: run the real `switchboard serve` binary on port 0.

The binary comes from env SWITCHBOARD_BIN (default: .build/debug/switchboard relative to
the repository root). Every listener binds 127.0.0.1 on a free port; the URLs are read from
the lines the server prints on stdout once all listeners are bound.

    SWITCHBOARD_BIN=.build/debug/switchboard .venv/bin/python -m pytest -q Interop
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 20.0
SHUTDOWN_TIMEOUT = 10.0

INDEX_HTML = b"<!doctype html>\n<title>switchboard interop</title>\n<h1>index \xc3\xa9</h1>\n"
SUB_FILE = b"nested file contents\n"
SECRET = b"TOP-SECRET-outside-the-content-dir\n"

_LINE = re.compile(r"^(wslink listening on|content served on|crosscomm listening on|crosscomm files served on|siyi listening on) (\S+)$")
_KEYS = {
    "wslink listening on": "wslink",
    "content served on": "content",
    "crosscomm listening on": "crosscomm",
    "crosscomm files served on": "files",
    "siyi listening on": "siyi",
}


def server_binary() -> Path:
    raw = os.environ.get("SWITCHBOARD_BIN", ".build/debug/switchboard")
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def run(coro, timeout: float = 20.0):
    """Run a coroutine to completion with an overall deadline."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@dataclass
class Server:
    proc: subprocess.Popen
    urls: dict[str, str]
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)
    exit_code: int | None = None

    @property
    def port(self) -> int:
        return urlsplit(self.urls["wslink"]).port

    @property
    def crosscomm_port(self) -> int:
        return urlsplit(self.urls["crosscomm"]).port

    @property
    def files_port(self) -> int:
        """The CrossComm file store's port (`crosscomm files served on http://…/files/`)."""
        return urlsplit(self.urls["files"]).port

    @property
    def siyi_port(self) -> int:
        return urlsplit(self.urls["siyi"]).port

    @property
    def scheme(self) -> str:
        """'ws' or 'wss'."""
        return urlsplit(self.urls["wslink"]).scheme

    def ws_url(self, path: str = "/echo") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def terminate(self, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """SIGTERM, then wait (bounded) for the exit code. Kills and raises on timeout."""
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.exit_code = self.proc.returncode
            raise AssertionError(
                f"server did not exit within {timeout} s of SIGTERM; stderr:\n{self.stderr()[-4000:]}"
            )
        return self.exit_code


def _start(args: list[str], workdir: Path, expect_content: bool) -> Server:
    binary = server_binary()
    if not binary.exists():
        raise AssertionError(f"server binary {binary} does not exist (build it or set SWITCHBOARD_BIN)")
    stderr_path = workdir / f"server-{time.monotonic_ns()}.stderr"
    cmd = [
        str(binary), "serve", "--host", "127.0.0.1",
        "--port", "0", "--crosscomm-port", "0", "--siyi-port", "0",
        *args,
    ]
    stderr_file = open(stderr_path, "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file)
    stderr_file.close()

    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # Keeps draining stdout for the server's whole life so it can never block on a full pipe.
        for raw in proc.stdout:
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    server = Server(proc=proc, urls={}, stderr_path=stderr_path)
    wanted = {"wslink", "crosscomm", "siyi"} | ({"content"} if expect_content else set())
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while not wanted <= server.urls.keys():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"server printed no listener lines for {sorted(wanted - server.urls.keys())} "
                    f"within {STARTUP_TIMEOUT} s; stdout={server.stdout_lines} stderr:\n{server.stderr()[-4000:]}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                proc.wait(timeout=5)
                raise AssertionError(
                    f"server exited ({proc.returncode}) before listening; stdout={server.stdout_lines} "
                    f"stderr:\n{server.stderr()[-4000:]}"
                )
            server.stdout_lines.append(line)
            m = _LINE.match(line)
            if m:
                server.urls[_KEYS[m.group(1)]] = m.group(2)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        raise
    return server


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """tmp/content/{index.html, sub/file.txt}; tmp/secret.txt lies OUTSIDE the content dir."""
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "index.html").write_bytes(INDEX_HTML)
    (content / "sub" / "file.txt").write_bytes(SUB_FILE)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return content


@pytest.fixture
def start_server(tmp_path: Path, content_dir: Path):
    """Factory: start_server(*extra_args, content=True) -> Server.

    Every server started through it is stopped with SIGTERM at teardown, and must exit 0.
    """
    started: list[Server] = []

    def factory(*extra: str, content: bool = True) -> Server:
        args = list(extra)
        if content:
            args += ["--content", str(content_dir)]
        server = _start(args, tmp_path, expect_content=content)
        started.append(server)
        return server

    yield factory

    failures = []
    for server in started:
        code = server.terminate()
        if code != 0:
            failures.append(f"server {server.urls} exited {code}; stderr:\n{server.stderr()[-4000:]}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def server(start_server) -> Server:
    """A default server: all three listeners, static content, compression on."""
    return start_server()


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate + key for 127.0.0.1/localhost, made with the openssl CLI."""
    return make_tls_files(tmp_path)


def make_tls_files(directory: Path) -> tuple[Path, Path]:
    """A new self-signed certificate + key (cert.pem, key.pem) in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-days", "1",
        ],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


# --- raw sockets: a tiny client-side WebSocket codec (so nothing normalises or fixes up) ---

import base64  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def recv_until(sock: socket.socket, marker: bytes, deadline: float, limit: int = 1 << 20) -> bytes:
    data = b""
    while marker not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {marker!r}; got {data[:500]!r}")
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed while waiting for {marker!r}; got {data[:500]!r}")
        data += chunk
        assert len(data) < limit
    return data


def raw_http(port: int, request: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Send bytes verbatim and read one HTTP/1.1 response (Content-Length bodies only)."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = recv_until(sock, b"\r\n\r\n", deadline)
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out reading the response body")
            sock.settimeout(remaining)
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body


def raw_ws_connect(port: int, path: str = "/echo", timeout: float = 10.0) -> "RawWebSocket":
    """Open a TCP connection and do the opening handshake by hand (no extensions offered)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    sock.sendall(request)
    data = recv_until(sock, b"\r\n\r\n", time.monotonic() + timeout)
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status_line + b" ":
        sock.close()
        raise AssertionError(f"handshake refused: {head!r}")
    return RawWebSocket(sock, rest)


class RawWebSocket:
    def __init__(self, sock: socket.socket, buffered: bytes = b""):
        self.sock = sock
        self.buf = buffered

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True, rsv: int = 0) -> None:
        header = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, n: int, deadline: float) -> bytes | None:
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out reading a frame")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self, timeout: float = 10.0) -> tuple[bool, int, bytes] | None:
        """One server frame as (fin, opcode, payload), or None at EOF. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        head = self._read(2, deadline)
        if head is None:
            return None
        fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
        assert head[1] & 0x80 == 0, "server frames must not be masked"
        n = head[1] & 0x7F
        if n == 126:
            ext = self._read(2, deadline)
            if ext is None:
                return None
            n = struct.unpack("!H", ext)[0]
        elif n == 127:
            ext = self._read(8, deadline)
            if ext is None:
                return None
            n = struct.unpack("!Q", ext)[0]
        payload = self._read(n, deadline) if n else b""
        if payload is None:
            return None
        return fin, opcode, payload

    def recv_close(self, timeout: float = 10.0) -> tuple[int | None, str] | None:
        """Skip data/ping frames until a close frame: (code, reason), or None if EOF came first."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if frame is None:
                return None
            _, opcode, payload = frame
            if opcode == OP_CLOSE:
                if len(payload) >= 2:
                    return struct.unpack("!H", payload[:2])[0], payload[2:].decode("utf-8", "replace")
                return None, ""


def ws_connect(url: str, **kwargs):
    """websockets' client with bounded timeouts, no env proxy and no client-side auto ping."""
    from websockets.asyncio.client import connect

    options = {"open_timeout": 10, "close_timeout": 5, "ping_interval": None, "proxy": None}
    options.update(kwargs)
    return connect(url, **options)


async def assert_echo_works(url: str, **connect_kwargs) -> None:
    """A fresh client gets a text and a binary echo."""
    async with ws_connect(url, **connect_kwargs) as ws:
        await ws.send("still serving")
        assert await asyncio.wait_for(ws.recv(), 10) == "still serving"
        await ws.send(b"\x00\x01still")
        assert await asyncio.wait_for(ws.recv(), 10) == b"\x00\x01still"
