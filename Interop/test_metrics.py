"""`switchboard serve --metrics`: GET /metrics is Prometheus text format and its counters move
when clients connect, call and misbehave (the CLI client calls; a wrong secret; an oversized
message closed with 1009)."""

from __future__ import annotations

import http.client
import re
import subprocess
import time

from websockets.exceptions import ConnectionClosed

from conftest import run, server_binary, ws_connect

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')


def scrape(port: int) -> dict[str, float]:
    """Every sample of GET /metrics by `name{labels}`; fails on any line that is not Prometheus text format."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        body = response.read().decode()
        assert response.status == 200
        assert response.getheader("content-type").startswith("text/plain; version=0.0.4")
    finally:
        conn.close()
    samples: dict[str, float] = {}
    for line in body.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not Prometheus text format: {line!r}"
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def total(samples: dict[str, float], name: str, **labels: str) -> float:
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(value for key, value in samples.items() if key.split("{")[0] == name and all(w in key for w in wanted))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_binary()), *args], capture_output=True, text=True, timeout=30)


def test_metrics_move_when_clients_connect_call_and_misbehave(start_server):
    server = start_server("--metrics", "--max-message-size", "1024")
    url = server.urls["wslink"]
    before = scrape(server.port)
    assert total(before, "switchboard_connections_opened_total", protocol="wslink") == 0
    assert total(before, "switchboard_auth_failures_total", protocol="wslink") == 0

    assert cli("wslink", "call", url, "demo.add", "40", "--kwargs", '{"b": 2}').stdout == "42\n"
    assert cli("wslink", "call", url, "--secret", "wrong", "demo.add", "1", "2").returncode == 1

    async def oversized() -> int | None:
        async with ws_connect(url) as ws:
            await ws.send(b"x" * 4096)
            try:
                await ws.recv()
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert run(oversized()) == 1009

    # The server counts a close when its side of the connection is gone, just after the client
    # saw the close frame: poll (bounded) for that one.
    deadline = time.monotonic() + 10
    after = scrape(server.port)
    while total(after, "switchboard_connections_closed_total", protocol="wslink", code="1009") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        after = scrape(server.port)
    assert total(after, "switchboard_connections_opened_total", protocol="wslink") == 3
    assert total(after, "switchboard_auth_failures_total", protocol="wslink") == 1
    assert total(after, "switchboard_connections_closed_total", protocol="wslink", code="1009") == 1
    assert total(after, "switchboard_request_duration_seconds_count", protocol="wslink", method="demo.add") == 1
    # hello + call, the wrong hello; the oversized message is refused before any adapter sees it.
    assert total(after, "switchboard_messages_in_total", protocol="wslink") == 3
    assert total(after, "switchboard_bytes_out_total", protocol="wslink") > total(before, "switchboard_bytes_out_total", protocol="wslink")
