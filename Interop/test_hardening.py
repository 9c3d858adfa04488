"""Issue 16 against the real `switchboard serve`: the HTTP-side limits and timeouts, origin
checks, handshake timeouts, and their counters in /stats."""

from __future__ import annotations

import json
import socket
import time

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import raw_http, run, ws_connect

UPGRADE = (
    b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


def upgrade(extra: bytes = b"") -> bytes:
    return UPGRADE + extra + b"\r\n"


def stats(port: int, timeout: float = 10.0) -> dict:
    """GET /stats, retrying while the server still counts connections just closed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _, body = raw_http(port, b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("/stats not answered")
        time.sleep(0.05)


def test_slow_request_head_gets_408(start_server):
    server = start_server("--stats", "--request-head-timeout", "1")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    elapsed = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408 Request Timeout"), data
    assert 0.9 <= elapsed < 5, elapsed
    assert stats(server.port)["connections"]["head_timeouts"] == 1


def test_per_address_limit_refuses_with_503_and_counts(start_server):
    server = start_server("--stats", "--max-connections-per-address", "3", "--limit-loopback")
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
    try:
        deadline = time.monotonic() + 10
        status = 0
        # The server may still be admitting the held sockets: the first refusal is the answer.
        while status != 503 and time.monotonic() < deadline:
            status, headers, _ = raw_http(server.port, upgrade())
        assert status == 503
        assert headers.get("retry-after") == "1"
    finally:
        for sock in held:
            sock.close()
    counters = stats(server.port)["connections"]
    assert counters["refused_address_limit"] >= 1
    assert counters["accepted"] >= 3


def test_foreign_origin_is_refused_on_every_port(start_server):
    server = start_server("--stats")
    for port in (server.port, server.crosscomm_port, server.siyi_port):
        status, _, _ = raw_http(port, upgrade(b"Origin: https://evil.example\r\n"))
        assert status == 403, port
        status, _, _ = raw_http(port, upgrade(b"Origin: http://127.0.0.1:1234\r\n"))
        assert status == 101, port
    assert stats(server.port)["connections"]["origin_refused"] == 3


def test_allowed_origins_flag(start_server):
    server = start_server("--allowed-origins", "https://app.example.com")
    assert raw_http(server.port, upgrade(b"Origin: https://app.example.com\r\n"))[0] == 101
    assert raw_http(server.port, upgrade(b"Origin: https://evil.example\r\n"))[0] == 403


@pytest.mark.parametrize("which", ["crosscomm", "siyi"])
def test_silent_socket_is_closed_after_the_handshake_timeout(start_server, which):
    server = start_server("--crosscomm-login-timeout", "0.5", "--siyi-handshake-timeout", "0.5")

    async def silent() -> int | None:
        async with ws_connect(server.urls[which]) as ws:
            # Whatever the server sends first (the siyi demo greets), the close follows.
            with pytest.raises(ConnectionClosed):
                for _ in range(10):
                    await ws.recv()
            return ws.close_code

    assert run(silent(), timeout=10) == 1008


def launcher_post(port: int, origin: bytes | None) -> tuple[int, dict[str, str], bytes]:
    body = b'{"application": "visualizer"}'
    head = b"POST /paraview/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
    if origin is not None:
        head += b"Origin: " + origin + b"\r\n"
    return raw_http(port, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def test_launcher_gives_its_secret_only_to_allowed_origins(start_server):
    server = start_server()
    for origin in (None, b"http://localhost:5173", b"http://127.0.0.1"):
        status, headers, body = launcher_post(server.port, origin)
        assert status == 200, origin
        assert json.loads(body)["secret"] == "wslink-secret"
        assert "access-control-allow-origin" not in headers
    status, headers, body = launcher_post(server.port, b"https://evil.example")
    assert status == 403
    assert json.loads(body) == {"error": "Origin https://evil.example is not allowed"}
    assert "secret" not in body.decode()
    assert server.stderr().count("refused a request from a foreign origin") == 1


def test_cors_origin_flag_on_the_launcher_and_the_file_store(start_server):
    server = start_server("--cors-origin", "https://app.example.com", "--allowed-origins", "https://app.example.com")
    preflight = (
        b"OPTIONS /paraview/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: %s\r\n"
        b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n"
    )
    status, headers, _ = raw_http(server.port, preflight % b"https://app.example.com")
    assert status == 204
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["vary"] == "Origin"
    assert headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == "content-type"
    status, headers, _ = raw_http(server.port, preflight % b"https://evil.example")
    assert status == 403
    assert not any(name.startswith("access-control-") for name in headers)

    status, headers, body = launcher_post(server.port, b"https://app.example.com")
    assert status == 200 and json.loads(body)["secret"]
    assert headers["access-control-allow-origin"] == "https://app.example.com"

    files_preflight = (
        b"OPTIONS /switchboard/cross_comm/a/b.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Origin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
        b"Access-Control-Request-Headers: authorization, content-type, x-oss-date\r\n\r\n"
    )
    status, headers, _ = raw_http(server.files_port, files_preflight)
    assert status == 204
    assert headers["access-control-allow-methods"] == "GET, HEAD, PUT, DELETE"
    assert headers["access-control-allow-headers"] == "authorization, content-type, x-oss-date"
    status, headers, _ = raw_http(
        server.files_port,
        b"GET /files/cross_comm/none HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: https://app.example.com\r\n\r\n",
    )
    assert status == 404
    assert headers["access-control-allow-origin"] == "https://app.example.com"


def test_no_cors_headers_by_default(start_server):
    server = start_server()
    status, headers, _ = raw_http(
        server.files_port,
        b"GET /files/cross_comm/none HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: https://app.example.com\r\n\r\n",
    )
    assert status == 404
    assert not any(name.startswith("access-control-") for name in headers)
