"""HTTP side of `switchboard serve`: static files, traversal, 426 on WebSocket paths, the hubs answering on their ports."""

from __future__ import annotations

import asyncio
import http.client
import json

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import INDEX_HTML, SECRET, SUB_FILE, raw_http, run, ws_connect


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # http.client sends the path verbatim (no normalisation of '..' or %-escapes).
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# --- static content --------------------------------------------------------------------------


def test_static_index_file(server):
    status, headers, body = get(server.port, "/index.html")
    assert status == 200
    assert body == INDEX_HTML
    assert headers["content-type"].split(";")[0].strip() == "text/html"
    assert server.urls["content"] == f"http://127.0.0.1:{server.port}/"


def test_static_root_serves_index_html(server):
    status, headers, body = get(server.port, "/")
    assert status == 200
    assert body == INDEX_HTML
    assert headers["content-type"].split(";")[0].strip() == "text/html"


def test_static_file_in_subdirectory(server):
    status, _, body = get(server.port, "/sub/file.txt")
    assert status == 200
    assert body == SUB_FILE


def test_static_missing_file_is_404(server):
    status, _, body = get(server.port, "/no-such-file.html")
    assert status == 404
    assert INDEX_HTML not in body


TRAVERSALS = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/./../secret.txt",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "//../secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(server, path):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    status, _, body = raw_http(server.port, request)
    assert status in (403, 404), f"{path} -> {status} {body[:200]!r}"
    assert SECRET not in body


def test_path_traversal_via_http_client(server):
    for path in TRAVERSALS:
        status, _, body = get(server.port, path)
        assert status in (403, 404), f"{path} -> {status}"
        assert SECRET not in body


# --- WebSocket-only paths --------------------------------------------------------------------


def assert_426(port: int, path: str) -> None:
    status, headers, body = get(port, path)
    assert status == 426, f"GET {path} -> {status}"
    assert headers.get("upgrade", "").lower() == "websocket"
    text = body.decode("utf-8")
    assert "WebSocket" in text and path in text, text


def test_plain_get_on_wslink_path_is_426(server):
    assert_426(server.port, "/ws")


def test_plain_get_on_echo_path_is_426(server):
    assert_426(server.port, "/echo")


def test_plain_get_on_crosscomm_and_siyi_ports_is_426(server):
    assert_426(server.crosscomm_port, "/")
    assert_426(server.crosscomm_port, "/any/path")
    assert_426(server.siyi_port, "/")


async def crosscomm_login(url: str, **kwargs) -> dict:
    login = {"msg_id": "probe_1", "from_client_id": "probe", "to_client_id": "server", "msg_type": "login",
             "content": {}, "timestamp": 1795306411.5, "oss_key": None}
    async with ws_connect(url, **kwargs) as ws:
        await ws.send(json.dumps(login))
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


@pytest.mark.parametrize("path", ["/", "/crosscomm", "/any/deep/path?q=1"])
def test_crosscomm_port_serves_the_hub_on_any_path(server, path):
    reply = run(crosscomm_login(f"ws://127.0.0.1:{server.crosscomm_port}{path}"))
    assert (reply["msg_type"], reply["to_client_id"], reply["content"]) == ("login_response", "probe", {"status": "success"})


def test_main_port_crosscomm_path_serves_the_hub(server):
    reply = run(crosscomm_login(f"ws://127.0.0.1:{server.port}/crosscomm"))
    assert reply["msg_type"] == "login_response"


def test_unknown_path_on_main_port_is_not_upgraded(server):
    request = (
        "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    status, _, _ = raw_http(server.port, request)
    assert status != 101
    assert 400 <= status < 500
