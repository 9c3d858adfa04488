"""WebSocket behaviour of `switchboard serve` seen by real peers (websockets 17.4, raw sockets)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_TEXT,
    assert_echo_works,
    raw_ws_connect,
    run,
    ws_connect,
)


async def expect_close(ws, timeout: float = 10.0) -> tuple[int, str]:
    """Read until the server closes; return the close code and reason it sent."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    assert info.value.rcvd is not None, f"no close frame received from the server ({info.value!r})"
    return info.value.rcvd.code, info.value.rcvd.reason


# --- echo, ping ----------------------------------------------------------------------------


def test_text_and_binary_echo(server):
    async def main():
        async with ws_connect(server.ws_url("/echo")) as ws:
            for text in ["hello", "", "ünïcødé ✓ 🚀", "x" * 70_000]:
                await ws.send(text)
                echoed = await asyncio.wait_for(ws.recv(), 10)
                assert isinstance(echoed, str)
                assert echoed == text
            for data in [b"\x00\xff\x10binary", b"", os.urandom(200_000)]:
                await ws.send(data)
                echoed = await asyncio.wait_for(ws.recv(), 10)
                assert isinstance(echoed, bytes)
                assert echoed == data
            # A fragmented message comes back as one message.
            await ws.send(["frag", "mented ", "text"])
            assert await asyncio.wait_for(ws.recv(), 10) == "fragmented text"

    run(main())


def test_ping_is_answered_with_pong(server):
    async def main():
        async with ws_connect(server.ws_url("/echo")) as ws:
            pong = await ws.ping(b"are you there")
            latency = await asyncio.wait_for(pong, 5)
            assert isinstance(latency, float) and 0 <= latency < 5
            # The connection is still usable afterwards.
            await ws.send("after ping")
            assert await asyncio.wait_for(ws.recv(), 10) == "after ping"

    run(main())


def test_raw_socket_echo_and_close_handshake(server):
    with raw_ws_connect(server.port, "/echo") as ws:
        ws.send_frame(OP_TEXT, "raw ✓".encode())
        assert ws.recv_frame() == (True, OP_TEXT, "raw ✓".encode())
        ws.send_frame(OP_BINARY, b"\x01\x02\x03")
        assert ws.recv_frame() == (True, OP_BINARY, b"\x01\x02\x03")
        ws.send_frame(OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")
        close = ws.recv_close()
        assert close is not None and close[0] == 1000


# --- permessage-deflate ----------------------------------------------------------------------


def test_permessage_deflate_negotiated_and_large_message_intact(server):
    message = ("switchboard permessage-deflate " * 40_000)[: 1 << 20]
    assert len(message) == 1 << 20

    async def main():
        async with ws_connect(server.ws_url("/echo"), max_size=None) as ws:
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
            assert extensions is not None and "permessage-deflate" in extensions
            await ws.send(message)
            assert await asyncio.wait_for(ws.recv(), 20) == message
            binary = message.encode()
            await ws.send(binary)
            assert await asyncio.wait_for(ws.recv(), 20) == binary

    run(main(), timeout=40)


def test_no_compression_flag_disables_deflate(start_server):
    server = start_server("--no-compression")

    async def main():
        async with ws_connect(server.ws_url("/echo")) as ws:  # websockets offers deflate by default
            assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
            await ws.send("plain " * 1000)
            assert await asyncio.wait_for(ws.recv(), 10) == "plain " * 1000

    run(main())


# --- bad input -------------------------------------------------------------------------------


def test_oversized_message_closes_1009(start_server):
    server = start_server("--max-message-size", "65536")

    async def main():
        url = server.ws_url("/echo")
        async with ws_connect(url, compression=None) as ws:
            # Just under the limit is fine.
            ok = os.urandom(60_000)
            await ws.send(ok)
            assert await asyncio.wait_for(ws.recv(), 10) == ok
            await ws.send(os.urandom(70_000))
            code, _ = await expect_close(ws)
            assert code == 1009
        await assert_echo_works(url)

    run(main())


def test_oversized_fragmented_message_closes_1009(start_server):
    server = start_server("--max-message-size", "65536")

    async def main():
        url = server.ws_url("/echo")
        async with ws_connect(url, compression=None) as ws:
            await ws.send([os.urandom(10_000) for _ in range(7)])  # 70 000 bytes in 7 frames
            code, _ = await expect_close(ws)
            assert code == 1009
        await assert_echo_works(url)

    run(main())


def test_oversized_compressible_message_over_deflate_closes_1009(start_server):
    server = start_server("--max-message-size", "65536")

    async def main():
        url = server.ws_url("/echo")
        async with ws_connect(url) as ws:
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
            assert extensions is not None and "permessage-deflate" in extensions
            # Compresses to a few hundred bytes on the wire; 70 000 bytes once inflated.
            await ws.send("a" * 70_000)
            code, _ = await expect_close(ws)
            assert code == 1009
        await assert_echo_works(url)

    run(main())


def test_invalid_utf8_text_closes_1007(server):
    with raw_ws_connect(server.port, "/echo") as ws:
        ws.send_frame(OP_TEXT, b"valid then \xff\xfe invalid")
        close = ws.recv_close()
        assert close is not None, "connection dropped without a close frame"
        assert close[0] == 1007
    run(assert_echo_works(server.ws_url("/echo")))


def test_invalid_utf8_across_fragments_closes_1007(server):
    with raw_ws_connect(server.port, "/echo") as ws:
        # U+03BA split across frames is fine; an encoded surrogate (ED A0 80) is not UTF-8.
        ws.send_frame(OP_TEXT, b"\xce", fin=False)
        ws.send_frame(OP_CONT, b"\xba \xed\xa0", fin=False)
        ws.send_frame(OP_CONT, b"\x80", fin=True)
        close = ws.recv_close()
        assert close is not None, "connection dropped without a close frame"
        assert close[0] == 1007
    run(assert_echo_works(server.ws_url("/echo")))


# --- auto ping -------------------------------------------------------------------------------


def test_peer_that_never_answers_pings_is_closed(start_server):
    server = start_server("--ping-interval", "0.5")

    async def main():
        # A well-behaved client (websockets answers pings) connected first, for comparison.
        async with ws_connect(server.ws_url("/echo")) as good:
            started = time.monotonic()
            pings = 0
            outcome = None
            with raw_ws_connect(server.port, "/echo") as silent:
                # Read whatever the server sends, never answer it.
                while True:
                    remaining = 5.0 - (time.monotonic() - started)
                    assert remaining > 0, f"server did not drop a silent peer within 5 s ({pings} pings seen)"
                    try:
                        frame = await asyncio.to_thread(silent.recv_frame, remaining)
                    except TimeoutError:
                        raise AssertionError(
                            f"server did not drop a silent peer within 5 s ({pings} pings seen)"
                        ) from None
                    if frame is None:
                        outcome = "eof"
                        break
                    if frame[1] == OP_PING:
                        pings += 1
                    elif frame[1] == OP_CLOSE:
                        outcome = "close"
                        break
            elapsed = time.monotonic() - started
            assert outcome in ("eof", "close")
            assert pings >= 1, "the server never pinged the silent peer"
            assert elapsed < 5.0
            # The peer that answers pings outlived at least as many intervals and still works.
            await good.send("alive")
            assert await asyncio.wait_for(good.recv(), 5) == "alive"

    run(main())


# --- graceful shutdown -----------------------------------------------------------------------


def test_sigterm_closes_clients_with_1001_and_exits_0(start_server):
    server = start_server()

    async def main():
        async with ws_connect(server.ws_url("/echo")) as a, ws_connect(
            server.ws_url("/echo"), compression=None
        ) as b:
            for ws in (a, b):
                await ws.send("before shutdown")
                assert await asyncio.wait_for(ws.recv(), 10) == "before shutdown"
            server.proc.send_signal(signal.SIGTERM)
            codes = await asyncio.gather(expect_close(a), expect_close(b))
            assert [code for code, _ in codes] == [1001, 1001]

    run(main())
    deadline = time.monotonic() + 10
    exit_code = server.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    server.exit_code = exit_code
    assert exit_code == 0
