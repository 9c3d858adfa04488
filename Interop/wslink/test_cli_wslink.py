"""`switchboard wslink call|subscribe` against `switchboard serve` and the Python original
(wslink 2.6.0 serving the same demo protocol): JSON out on stdout, the exit status says how it went.
"""

from __future__ import annotations

import socket

import pytest

from cli import Listener, json_lines, python_wslink_server, run_cli


@pytest.fixture(params=["switchboard", "python-wslink-2.6.0"])
def wslink_url(request, server):
    if request.param == "switchboard":
        yield server.urls["wslink"]
        return
    peer = python_wslink_server()
    try:
        yield peer.url
    finally:
        peer.stop()


def test_call_prints_the_result_as_json(wslink_url):
    assert run_cli("wslink", "call", wslink_url, "demo.add", "40", "--kwargs", '{"b": 2}') == (0, "42\n", "")
    code, out, err = run_cli("wslink", "call", wslink_url, "demo.echo", '"text"', '{"$bin": "00ff"}', "1.5", "null",
                             "--kwargs", '{"k": [1, true]}')
    assert (code, err) == (0, "")
    assert json_lines(out) == [{"args": ["text", {"$bin": "00ff"}, 1.5, None], "kwargs": {"k": [1, True]}}]
    code, out, _ = run_cli("wslink", "call", wslink_url, "demo.bytes", "4")
    assert (code, json_lines(out)) == (0, [{"blob": {"$bin": "00010203"}, "n": 4}])


def test_an_error_reply_exits_1_with_the_error_on_stderr(wslink_url):
    code, out, err = run_cli("wslink", "call", wslink_url, "demo.fail")
    assert (code, out) == (1, "")
    assert err.startswith("switchboard: demo.fail failed: {") and '"code":-32001' in err and "boom" in err
    code, out, err = run_cli("wslink", "call", wslink_url, "no.such.method")
    assert (code, out) == (1, "")
    assert '"code":-32601' in err


def test_a_refused_secret_exits_1(wslink_url):
    code, out, err = run_cli("wslink", "call", wslink_url, "demo.add", "1", "--secret", "not-the-secret")
    assert (code, out) == (1, "")
    assert "refused the secret" in err


def test_subscribe_prints_one_line_per_publish_and_stops_after_count(wslink_url):
    with Listener("wslink", "subscribe", wslink_url, "demo.tick", "--count", "3") as subscriber:
        assert subscriber.wait_ready().startswith("switchboard: subscribed to demo.tick")
        # wslink publishes to every client, so another client's demo.start reaches the subscriber.
        assert run_cli("wslink", "call", wslink_url, "demo.start", "3") == (0, '{"published":3}\n', "")
        code, lines = subscriber.finish()
    assert code == 0, subscriber.stderr_lines
    assert lines == [{"i": i, "bin": {"$bin": f"{i:02x}{i + 1:02x}"}} for i in range(3)]


def test_subscribe_with_count_exits_124_when_the_publishes_do_not_come(server):
    with Listener("wslink", "subscribe", server.urls["wslink"], "demo.tick", "--count", "1", "--timeout", "1") as subscriber:
        subscriber.wait_ready()
        code, lines = subscriber.finish()
    assert (code, lines) == (124, [])


def test_usage_errors_and_unreachable_servers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now (it was only bound, never listened on).
    code, out, err = run_cli("wslink", "call", f"ws://127.0.0.1:{port}/ws", "demo.add", "1", "--timeout", "5")
    assert (code, out) == (1, "")
    assert err.startswith(f"switchboard: cannot connect to ws://127.0.0.1:{port}/ws")
    code, _, err = run_cli("wslink", "call", "ws://127.0.0.1:9/ws", "demo.add", "not-json")
    assert code == 64 and "argument 1 is not JSON" in err
    code, _, err = run_cli("wslink", "subscribe", "ws://127.0.0.1:9/ws", "no spaces allowed")
    assert code == 64


def test_wss_trusts_the_given_ca_file_only(start_server, tls_files):
    cert, key = tls_files
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    url = server.urls["wslink"]
    assert url.startswith("wss://")
    assert run_cli("wslink", "call", url, "demo.add", "1", "2", "--ca-file", str(cert)) == (0, "3\n", "")
    assert run_cli("wslink", "call", url, "demo.add", "1", "2", "--insecure") == (0, "3\n", "")
    code, out, err = run_cli("wslink", "call", url, "demo.add", "1", "2", "--timeout", "5")
    assert (code, out) == (1, "")
    assert err.startswith(f"switchboard: cannot connect to {url}"), err


def test_version():
    assert run_cli("--version") == (0, "0.2.0\n", "")
