"""Three `switchboard serve --cluster` nodes on loopback through a real PostgreSQL (Protocols.md §8).

Real pywayne 1.0.1.6.7 clients on different nodes message each other; list_clients agrees on
every node; a wslink publish on node B reaches subscribers on A and C (frames built with
Python's msgpack); a duplicate login on another node replaces the older one; kill -9 of node B
takes its clients offline elsewhere within the node timeout; a PostgreSQL restart leaves local
traffic running and the nodes reconnect, re-LISTEN and say so.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "wslink"))

from pywayne.cross_comm import CommMsgType, CrossCommService, Message  # noqa: E402

from conftest import _start, run, ws_connect  # noqa: E402
from postgres_server import PostgresServer, wait_until  # noqa: E402
from test_wslink_serve import call, chunk, hello, unchunk  # noqa: E402

HEARTBEAT, NODE_TIMEOUT = "0.5", "3"


@pytest.fixture
def postgres():
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def cluster(postgres, tmp_path):
    nodes = {}

    def start(name: str):
        node = _start(["--crosscomm-files-port", "off", "--cluster", postgres.url, "--node-id", name,
                       "--cluster-heartbeat", HEARTBEAT, "--cluster-node-timeout", NODE_TIMEOUT], tmp_path, expect_content=False)
        nodes[name] = node
        wait_until(lambda: "joined the cluster" in node.stderr(), f"node {name} to join the cluster")
        return node

    try:
        for name in "ABC":
            start(name)
        yield nodes
    finally:
        for node in nodes.values():
            if node.proc.poll() is None:
                node.terminate()


def client(port: int, client_id: str) -> tuple[CrossCommService, list[Message]]:
    service = CrossCommService(role="client", ip="127.0.0.1", port=port, client_id=client_id)
    received: list[Message] = []

    @service.message_listener()
    async def record(message: Message) -> None:
        received.append(message)

    return service, received


async def until(predicate, what: str, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def data(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.msg_type != CommMsgType.LOGIN_RESPONSE]


async def online(service: CrossCommService) -> list[str]:
    listing = await service.list_clients(only_show_online=True)
    return sorted(c["client_id"] for c in listing["clients"])


def login_frame(client_id: str) -> str:
    return json.dumps({"msg_id": f"{client_id}_1", "from_client_id": client_id, "to_client_id": "server", "msg_type": "login",
                       "content": {}, "timestamp": 1795306411.5, "oss_key": None})


async def wslink_client(node):
    ws = await ws_connect(node.urls["wslink"])
    await ws.send(chunk(hello("wslink-secret")))
    accepted = unchunk(await asyncio.wait_for(ws.recv(), 10))
    return ws, accepted["result"]["clientID"]


def test_three_nodes(cluster, postgres):
    a, b, c = cluster["A"], cluster["B"], cluster["C"]

    async def scenario():
        alice, at_alice = client(a.crosscomm_port, "alice")
        bob, at_bob = client(b.crosscomm_port, "bob")
        carol, at_carol = client(c.crosscomm_port, "carol")
        for service in (alice, bob, carol):
            assert await service.login()

        # list_clients over the cluster agrees on every node.
        everyone = ["alice", "bob", "carol"]
        for service in (alice, bob, carol):
            await until(lambda s=service: _eq(online(s), everyone), "every node to list all three clients")

        # Directed A -> C, and a broadcast from A reaching B and C.
        await alice.send_message({"to": "carol", "n": 1}, CommMsgType.DICT, to_client_id="carol")
        await until(lambda: _true(any(m.content == {"to": "carol", "n": 1} for m in data(at_carol))), "carol to get alice's dict")
        got = [m for m in data(at_carol) if m.msg_type == CommMsgType.DICT][0]
        assert got.from_client_id == "alice" and got.to_client_id == "carol"
        await alice.send_message("hello cluster", CommMsgType.TEXT)
        await until(lambda: _true(any(m.content == "hello cluster" for m in data(at_bob))
                                  and any(m.content == "hello cluster" for m in data(at_carol))), "the broadcast on B and C")
        assert not any(m.content == "hello cluster" for m in data(at_alice))

        # wslink: a publish on B reaches subscribers on A and C (and B's own caller).
        ws_a, _ = await wslink_client(a)
        ws_c, _ = await wslink_client(c)
        ws_b, b_id = await wslink_client(b)
        await ws_b.send(chunk(call(f"rpc:{b_id}:1", "demo.start", [2])))
        for ws in (ws_a, ws_c):
            ticks = [unchunk(await asyncio.wait_for(ws.recv(), 10)) for _ in range(2)]
            assert [t["id"] for t in ticks] == ["publish:demo.tick:0"] * 2
            assert [t["result"]["i"] for t in ticks] == [0, 1]
        for ws in (ws_a, ws_b, ws_c):
            await ws.close()

        # A login on another node replaces the older connection (4501) cluster-wide.
        async with ws_connect(a.urls["crosscomm"]) as older, ws_connect(c.urls["crosscomm"]) as newer:
            await older.send(login_frame("dave"))
            assert json.loads(await asyncio.wait_for(older.recv(), 10))["msg_type"] == "login_response"
            await newer.send(login_frame("dave"))
            assert json.loads(await asyncio.wait_for(newer.recv(), 10))["msg_type"] == "login_response"
            with pytest.raises(Exception):
                await asyncio.wait_for(older.recv(), 10)
            assert older.close_code == 4501
            await until(lambda: _eq(online(alice), ["alice", "bob", "carol", "dave"]), "dave online once, on C")

        # kill -9 of node B: bob is shown offline on A and C within the node timeout.
        b.proc.send_signal(signal.SIGKILL)
        b.proc.wait(timeout=10)
        b.exit_code = 0
        await until(lambda: _eq(online(alice), ["alice", "carol"]), "bob offline on A after B died", timeout=15)
        await until(lambda: _eq(online(carol), ["alice", "carol"]), "bob offline on C after B died", timeout=15)
        assert "declared down" in a.stderr() + c.stderr()
        # bob re-logs in on A and is reachable from C.
        bob2, at_bob2 = client(a.crosscomm_port, "bob")
        assert await bob2.login()
        await until(lambda: _eq(online(carol), ["alice", "bob", "carol"]), "bob back, on A")
        await carol.send_message("welcome back", CommMsgType.TEXT, to_client_id="bob")
        await until(lambda: _true(any(m.content == "welcome back" for m in data(at_bob2))), "bob to get carol's message on A")

        # PostgreSQL restarts: local traffic goes on, nodes reconnect and re-LISTEN, then
        # cross-node traffic flows again.
        postgres.stop("fast")
        await bob2.send_message("local while down", CommMsgType.TEXT, to_client_id="alice")
        await until(lambda: _true(any(m.content == "local while down" for m in data(at_alice))), "local delivery on A without PostgreSQL")
        postgres.start()
        await until(lambda: _true("reconnected to PostgreSQL" in a.stderr() and "reconnected to PostgreSQL" in c.stderr()),
                    "A and C to reconnect", timeout=30)
        assert "PostgreSQL unreachable" in a.stderr()
        await until(lambda: _eq(online(carol), ["alice", "bob", "carol"]), "the cluster view after the restart", timeout=20)
        await alice.send_message("after restart", CommMsgType.TEXT, to_client_id="carol")
        await until(lambda: _true(any(m.content == "after restart" for m in data(at_carol))), "carol to get a message after the restart")

        for service in (alice, carol, bob2):
            await service.logout()

    run(scenario(), timeout=150)


async def _eq(listing, expected) -> bool:
    return await listing == expected


async def _true(value: bool) -> bool:
    return value
