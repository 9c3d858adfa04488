"""wss:// and https:// with a self-signed certificate generated at test time."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import ssl
import time

import pytest

from conftest import INDEX_HTML, make_tls_files, run, ws_connect


@pytest.fixture
def tls_server(start_server, tls_files):
    cert, key = tls_files
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    context = ssl.create_default_context(cafile=str(cert))
    return server, context


def test_listener_lines_use_secure_schemes(tls_server):
    server, _ = tls_server
    assert server.urls["wslink"] == f"wss://127.0.0.1:{server.port}/ws"
    assert server.urls["content"] == f"https://127.0.0.1:{server.port}/"
    assert server.urls["crosscomm"].startswith("wss://127.0.0.1:")
    assert server.urls["siyi"].startswith("wss://127.0.0.1:")


def test_wss_echo(tls_server):
    server, context = tls_server

    async def main():
        async with ws_connect(f"wss://127.0.0.1:{server.port}/echo", ssl=context) as ws:
            assert "permessage-deflate" in (ws.response.headers.get("Sec-WebSocket-Extensions") or "")
            await ws.send("secure hello")
            assert await asyncio.wait_for(ws.recv(), 10) == "secure hello"
            data = os.urandom(100_000)
            await ws.send(data)
            assert await asyncio.wait_for(ws.recv(), 10) == data
            latency = await asyncio.wait_for(await ws.ping(), 5)
            assert latency >= 0

    run(main())


def test_wss_crosscomm_port_serves_the_hub(tls_server):
    server, context = tls_server
    login = {"msg_id": "probe_1", "from_client_id": "probe", "to_client_id": "server", "msg_type": "login",
             "content": {}, "timestamp": 1795306411.5, "oss_key": None}

    async def main():
        async with ws_connect(f"wss://127.0.0.1:{server.crosscomm_port}/", ssl=context) as ws:
            await ws.send(json.dumps(login))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))["msg_type"]

    assert run(main()) == "login_response"


def test_https_static_file(tls_server):
    server, context = tls_server
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=context)
    try:
        conn.request("GET", "/index.html")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert body == INDEX_HTML
        assert response.getheader("Content-Type").split(";")[0].strip() == "text/html"
    finally:
        conn.close()


def test_plaintext_client_is_refused_on_tls_port(tls_server):
    server, _ = tls_server

    async def main():
        async with ws_connect(f"ws://127.0.0.1:{server.port}/echo", open_timeout=5):
            pass

    with pytest.raises(Exception) as info:
        run(main())
    assert not isinstance(info.value, AssertionError)


def test_untrusted_certificate_is_rejected_by_client(tls_server):
    server, _ = tls_server

    async def main():
        async with ws_connect(f"wss://127.0.0.1:{server.port}/echo", ssl=ssl.create_default_context()):
            pass

    with pytest.raises(ssl.SSLCertVerificationError):
        run(main())


def install(served: tuple, cert, key) -> None:
    """Replace the served files as an operator should: write aside, then rename."""
    for source, target in ((cert, served[0]), (key, served[1])):
        shutil.copyfile(source, f"{target}.new")
        os.replace(f"{target}.new", target)


async def wait_for_log(server, text: str, count: int = 1, timeout: float = 10.0) -> None:
    """Until `text` appears `count` times in the server's log (bounded)."""
    deadline = time.monotonic() + timeout
    while server.stderr().count(text) < count:
        assert time.monotonic() < deadline, f"no '{text}' in the log within {timeout} s:\n{server.stderr()[-2000:]}"
        await asyncio.sleep(0.02)


def test_sighup_reloads_the_certificate_without_dropping_sessions(start_server, tmp_path):
    a, b = make_tls_files(tmp_path / "a"), make_tls_files(tmp_path / "b")
    served = (tmp_path / "served-cert.pem", tmp_path / "served-key.pem")
    install(served, *a)
    server = start_server("--tls-cert", str(served[0]), "--tls-key", str(served[1]))
    trusts_a = ssl.create_default_context(cafile=str(a[0]))
    trusts_b = ssl.create_default_context(cafile=str(b[0]))
    url = f"wss://127.0.0.1:{server.port}/echo"

    async def main():
        async with ws_connect(url, ssl=trusts_a) as old:
            await old.send("before")
            assert await asyncio.wait_for(old.recv(), 10) == "before"

            install(served, *b)
            server.proc.send_signal(signal.SIGHUP)
            await wait_for_log(server, "TLS certificate reloaded")
            async with ws_connect(url, ssl=trusts_b) as new:
                await new.send("new certificate")
                assert await asyncio.wait_for(new.recv(), 10) == "new certificate"
            with pytest.raises(ssl.SSLCertVerificationError):
                async with ws_connect(url, ssl=trusts_a):
                    pass

            # A's certificate with B's key: refused, B stays.
            install(served, a[0], b[1])
            server.proc.send_signal(signal.SIGHUP)
            await wait_for_log(server, "TLS certificate reload failed")
            async with ws_connect(url, ssl=trusts_b) as new:
                await new.send("still B")
                assert await asyncio.wait_for(new.recv(), 10) == "still B"

            await old.send("after")
            assert await asyncio.wait_for(old.recv(), 10) == "after"

    run(main())
    assert server.stderr().count("TLS certificate reload failed") == 1
    assert server.proc.poll() is None
