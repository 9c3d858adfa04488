"""`switchboard serve` speaks wslink at /ws: the demo protocol (Protocols.md §4), --auth-key, application.exit.

Frames are built here with Python's msgpack, independently of the Swift codec.
"""

from __future__ import annotations

import asyncio
import os
import struct

import msgpack

from conftest import run, ws_connect


def chunk(message: dict, chunk_id: int = 0x01020304) -> bytes:
    payload = msgpack.packb(message)
    return struct.pack("<III", chunk_id, 0, len(payload)) + payload


def unchunk(frame: bytes) -> dict:
    _, offset, size = struct.unpack("<III", frame[:12])
    assert offset == 0 and size == len(frame) - 12, "test replies fit one chunk"
    return msgpack.unpackb(frame[12:])


def hello(secret: str) -> dict:
    return {"wslink": "1.0", "id": "system:c0:0", "method": "wslink.hello", "args": [{"secret": secret}], "kwargs": {}}


def call(call_id: str, method: str, args=(), kwargs=None) -> dict:
    return {"wslink": "1.0", "id": call_id, "method": method, "args": list(args), "kwargs": kwargs or {}}


def test_wslink_listens_at_ws_on_the_main_port(server):
    assert server.urls["wslink"] == f"ws://127.0.0.1:{server.port}/ws"

    async def main():
        async with ws_connect(server.urls["wslink"]) as ws:
            await ws.send(chunk(call("rpc:cX:0", "demo.add", [1, 2])))
            reply = unchunk(await asyncio.wait_for(ws.recv(), 10))
            assert reply == {"wslink": "1.0", "id": "rpc:cX:0", "error": {"code": -32000, "message": "Unauthorized: Skip message processing"}}

    run(main())


def test_demo_protocol_with_auth_key(start_server):
    server = start_server("--auth-key", "s3cret")

    async def main():
        async with ws_connect(server.ws_url("/ws")) as ws:
            await ws.send(chunk(hello("wslink-secret")))
            refused = unchunk(await asyncio.wait_for(ws.recv(), 10))
            assert refused == {"wslink": "1.0", "id": "system:c0:0", "error": {"code": -32000, "message": "Authentication failed"}}
            await ws.send(chunk(hello("s3cret")))
            accepted = unchunk(await asyncio.wait_for(ws.recv(), 10))
            client_id = accepted["result"]["clientID"]
            assert list(accepted["result"]) == ["clientID", "maxMsgSize", "capabilities"]
            assert accepted["result"]["capabilities"] == ["subscriptions"]
            assert accepted["result"]["maxMsgSize"] == 4194304
            assert len(client_id) == 33 and client_id.startswith("c")

            await ws.send(chunk(call(f"rpc:{client_id}:0", "demo.add", [40], {"b": 2})))
            assert unchunk(await asyncio.wait_for(ws.recv(), 10)) == {"wslink": "1.0", "id": f"rpc:{client_id}:0", "result": 42}
            await ws.send(chunk(call(f"rpc:{client_id}:1", "demo.start", [2])))
            replies = [unchunk(await asyncio.wait_for(ws.recv(), 10)) for _ in range(3)]
            assert [r["id"] for r in replies] == ["publish:demo.tick:0", "publish:demo.tick:0", f"rpc:{client_id}:1"]
            assert replies[1]["result"] == {"i": 1, "bin": b"\x01\x02"}
            assert replies[2]["result"] == {"published": 2}

    run(main())


def test_application_exit_stops_the_server_gracefully(start_server):
    server = start_server()

    async def main():
        async with ws_connect(server.ws_url("/ws")) as ws:
            await ws.send(chunk(hello("wslink-secret")))
            client_id = unchunk(await asyncio.wait_for(ws.recv(), 10))["result"]["clientID"]
            await ws.send(chunk(call(f"rpc:{client_id}:0", "application.exit")))
            assert unchunk(await asyncio.wait_for(ws.recv(), 10)) == {"wslink": "1.0", "id": f"rpc:{client_id}:0", "result": None}
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert ws.close_code == 1001

    run(main())
    assert server.proc.wait(timeout=10) == 0
