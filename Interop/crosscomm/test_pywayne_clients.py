"""Real pywayne 1.0.1.6.7 clients through the Switchboard CrossComm hub (the CLI binary).

Covers the "Done when" set: login, broadcast, directed, bytes, dict, json, list_clients, plus
the fixes pywayne users can observe (list status agrees with routing after logout, a
duplicate login closes the older connection with 4501, hostile frames do not disturb others).
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest

os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")

from pywayne.cross_comm import CommMsgType, CrossCommService, Message  # noqa: E402

from conftest import run, ws_connect  # noqa: E402


def client(port: int, client_id: str) -> tuple[CrossCommService, list[Message]]:
    service = CrossCommService(role="client", ip="127.0.0.1", port=port, client_id=client_id)
    received: list[Message] = []

    @service.message_listener()
    async def record(message: Message) -> None:
        received.append(message)

    return service, received


async def until(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def data(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.msg_type not in (CommMsgType.LOGIN_RESPONSE,)]


def frame(msg_type: str, sender: str, to: str, content) -> str:
    return json.dumps({"msg_id": f"{sender}_1", "from_client_id": sender, "to_client_id": to, "msg_type": msg_type,
                       "content": content, "timestamp": 1795306411.5, "oss_key": None})


def test_two_pywayne_clients_through_switchboard(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = server.crosscomm_port

    async def scenario():
        alice, at_alice = client(port, "alice")
        bob, at_bob = client(port, "bob")
        assert await alice.login()
        assert await bob.login()
        await until(lambda: any(m.msg_type == CommMsgType.LOGIN_RESPONSE for m in at_alice), "alice login_response")
        await until(lambda: any(m.msg_type == CommMsgType.LOGIN_RESPONSE for m in at_bob), "bob login_response")

        await alice.send_message("Hello everyone! 你好", CommMsgType.TEXT)
        await alice.send_message({"action": "update", "id": 123, "nested": [1, 2.5, None, True]}, CommMsgType.DICT, to_client_id="bob")
        await alice.send_message(b"\x00\x01binary\xff", CommMsgType.BYTES, to_client_id="bob")
        await alice.send_message({"k": "v"}, CommMsgType.JSON, to_client_id="bob")
        await bob.send_message(12345, CommMsgType.TEXT, to_client_id="alice")
        await until(lambda: len(data(at_bob)) == 4, "bob's four messages")
        await until(lambda: len(data(at_alice)) == 1, "alice's message")

        got = data(at_bob)
        assert [m.msg_type for m in got] == [CommMsgType.TEXT, CommMsgType.DICT, CommMsgType.BYTES, CommMsgType.JSON]
        assert got[0].content == "Hello everyone! 你好" and got[0].to_client_id == "all"
        assert got[1].content == {"action": "update", "id": 123, "nested": [1, 2.5, None, True]}
        assert got[2].content == b"\x00\x01binary\xff"
        assert got[3].content == '{"k": "v"}'
        assert all(m.from_client_id == "alice" for m in got)
        assert data(at_alice)[0].content == "12345"

        listing = await bob.list_clients(only_show_online=False)
        assert [(c["client_id"], c["status"]) for c in listing["clients"]] == [("alice", "online"), ("bob", "online")]
        assert listing["total_count"] == 2 and listing["only_show_online"] is False

        await alice.logout()
        # The logout and close travel on alice's socket; poll (bounded) until the hub saw them.
        for _ in range(250):
            listing = await bob.list_clients(only_show_online=False)
            if listing["clients"][0]["status"] == "offline":
                break
            await asyncio.sleep(0.02)
        # pywayne's own server would still list alice online here (B4).
        assert [(c["client_id"], c["status"]) for c in listing["clients"]] == [("alice", "offline"), ("bob", "online")]
        online = await bob.list_clients(only_show_online=True)
        assert [c["client_id"] for c in online["clients"]] == ["bob"]
        await bob.logout()

    run(scenario(), timeout=60)


def test_duplicate_login_closes_the_older_connection_with_4501(server):
    port = server.crosscomm_port

    async def scenario():
        async with ws_connect(f"ws://127.0.0.1:{port}/") as older, ws_connect(f"ws://127.0.0.1:{port}/") as newer:
            await older.send(frame("login", "alice", "server", {}))
            assert json.loads(await asyncio.wait_for(older.recv(), 10))["msg_type"] == "login_response"
            await newer.send(frame("login", "alice", "server", {}))
            assert json.loads(await asyncio.wait_for(newer.recv(), 10))["msg_type"] == "login_response"
            with pytest.raises(Exception):
                await asyncio.wait_for(older.recv(), 10)
            assert older.close_code == 4501
            await newer.send(frame("text", "alice", "alice", "still mine"))
            assert json.loads(await asyncio.wait_for(newer.recv(), 10))["content"] == "still mine"

    run(scenario())


def test_hostile_frames_leave_the_hub_serving(server):
    port = server.crosscomm_port

    async def scenario():
        async with ws_connect(f"ws://127.0.0.1:{port}/", max_size=None) as mallory, ws_connect(f"ws://127.0.0.1:{port}/") as bob:
            await bob.send(frame("login", "bob", "server", {}))
            await asyncio.wait_for(bob.recv(), 10)
            await mallory.send(frame("login", "mallory", "server", {}))
            await asyncio.wait_for(mallory.recv(), 10)
            for hostile in ["not json{", "[1, 2]", '{"msg_id": "m"}', frame("video", "mallory", "bob", "?"),
                            frame("text", "alice", "bob", "spoofed"), frame("login_response", "server", "bob", {"status": "success"}),
                            frame("text", "mallory", "bob", "x")[:-1] + ', "extra": 1}', b'{"binary": true}']:
                await mallory.send(hostile)
            await mallory.send(frame("text", "mallory", "bob", "genuine"))
            message = json.loads(await asyncio.wait_for(bob.recv(), 10))
            assert (message["from_client_id"], message["content"]) == ("mallory", "genuine")
            await mallory.send(frame("text", "mallory", "bob", "x" * 10_000_000))
            with pytest.raises(Exception):
                await asyncio.wait_for(mallory.recv(), 10)
            assert mallory.close_code == 1009
            # The hub drops mallory when its side of the 1009 close completes, which can be
            # just after mallory sees the close: ask again (bounded) until the listing settles.
            deadline = asyncio.get_running_loop().time() + 10
            while True:
                await bob.send(frame("list_clients", "bob", "server", '{"only_show_online": true}'))
                listing = json.loads(json.loads(await asyncio.wait_for(bob.recv(), 10))["content"])
                online = [c["client_id"] for c in listing["clients"]]
                if online == ["bob"] or asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.05)
            assert online == ["bob"]

    run(scenario())
