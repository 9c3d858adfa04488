"""siyi on `switchboard serve --siyi-port` seen by a Python peer speaking the captured wire format.

The reference library is not installable, so the peer replays the frames captured from it
(Tests/Vectors/siyi.json) and checks Switchboard's replies byte for byte.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import REPO_ROOT, run, ws_connect


def load_vectors() -> dict[str, dict]:
    data = json.loads((REPO_ROOT / "Tests" / "Vectors" / "siyi.json").read_text(encoding="utf-8"))
    return {vector["name"]: vector for vector in data["vectors"]}


VECTORS = load_vectors()


async def recv_json(ws, timeout: float = 10.0) -> tuple[str, dict]:
    text = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(text, str), "siyi replies are text frames"
    return text, json.loads(text)


async def answer_get_status(ws, data: dict) -> None:
    """The demo server asks every new client get_status on connect; answer it like the README client."""
    _, request = await recv_json(ws)
    assert request["type"] == "request" and request["command"] == "get_status" and request["params"] is None
    assert request["id"] == request["id"].lower() and len(request["id"]) == 36
    await ws.send(json.dumps({"id": request["id"], "type": "response", "status": "ok", "data": data, "error": None},
                             separators=(",", ":")))


def test_readme_scenario_on_the_siyi_port(server):
    async def main():
        async with ws_connect(server.urls["siyi"]) as observer, ws_connect(server.urls["siyi"]) as client:
            await answer_get_status(observer, {"status": "watching"})
            await answer_get_status(client, {"status": "running", "players": 5})
            await client.send(VECTORS["request.params_object"]["text"])
            text, _ = await recv_json(client)
            assert text == ('{"id":"7beade42-6397-45c4-a74c-90095acd1f94","type":"response","status":"ok",'
                            '"data":{"message":"Hello, World!"},"error":null}')
            await client.send('{"id":"c8ddd587-8657-4681-ad8f-4df688a99c10","type":"request","command":"nope","params":null}')
            text, _ = await recv_json(client)
            assert text == VECTORS["response.error.app_unknown_command"]["text"]
            await client.send(VECTORS["event"]["text"])
            _, notification = await recv_json(observer)
            assert notification["type"] == "event" and notification["name"] == "player_updated_notification"
            assert notification["data"] == {"player": "Steve", "health": 95}
            assert list(notification) == ["id", "type", "name", "data"]

    run(main())


def test_captured_probe_frames_get_the_original_replies(server):
    async def main():
        async with ws_connect(server.urls["siyi"]) as ws:
            await answer_get_status(ws, {"status": "probe"})
            for request, reply in [
                ("request.uppercase_id", "response.lowercased_id"),
                ("request.string_id", "response.string_id"),
                ("request.heartbeat_from_client", "response.heartbeat_from_client"),
            ]:
                await ws.send(VECTORS[request]["text"])
                text, _ = await recv_json(ws)
                assert text == VECTORS[reply]["text"], request
            await ws.send(bytes.fromhex(VECTORS["request.binary_frame"]["hex"]))
            text, _ = await recv_json(ws)
            assert text == VECTORS["response.to_binary_frame"]["text"]

    run(main())


def test_hostile_input_is_answered_or_dropped_and_the_server_keeps_serving(server):
    probe = '{"id":"still","type":"request","command":"echo","params":{"ok":true}}'
    probe_reply = '{"id":"still","type":"response","status":"ok","data":{"ok":true},"error":null}'

    async def main():
        async with ws_connect(server.urls["siyi"]) as ws, ws_connect(server.ws_url("/siyi")) as other:
            await answer_get_status(ws, {"status": "hostile"})
            await answer_get_status(other, {"status": "bystander"})
            for dropped in ["invalid.not_json", "invalid.unknown_type", "response.unknown_id", "invalid.event_data_list"]:
                await ws.send(VECTORS[dropped]["text"])
                await ws.send(probe)
                text, _ = await recv_json(ws)
                assert text == probe_reply, dropped
            await ws.send(VECTORS["invalid.numeric_id"]["text"])
            text, _ = await recv_json(ws)
            assert text == '{"id":7,"type":"response","status":"error","data":null,"error":"invalid request: id must be a string"}'
            await ws.send(VECTORS["invalid.params_list"]["text"])
            text, _ = await recv_json(ws)
            assert text == ('{"id":"p1","type":"response","status":"error","data":null,'
                            '"error":"invalid request: params must be an object or null"}')
            # The other client (on the main port's /siyi path) was never disturbed.
            await other.send(probe)
            text, _ = await recv_json(other)
            assert text == probe_reply

    run(main())


@pytest.mark.parametrize("path", ["/", "/siyi", "/x/y"])
def test_siyi_port_serves_siyi_on_any_path(server, path):
    """Replaces the placeholder check that the siyi port closed with 4500 before the adapter existed."""
    url = f"ws://127.0.0.1:{server.siyi_port}{path}"

    async def main():
        async with ws_connect(url) as ws:
            await answer_get_status(ws, {"status": "any path"})
            await ws.send('{"id":"p","type":"request","command":"echo","params":{"path":"%s"}}' % path)
            text, _ = await recv_json(ws)
            assert text == '{"id":"p","type":"response","status":"ok","data":{"path":"%s"},"error":null}' % path

    run(main())
