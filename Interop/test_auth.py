"""Issue 16, authenticated identities, against the real `switchboard serve --auth all`
(Protocols.md §9, §5.9): real pywayne CrossComm clients holding tokens, an intruder who tries
to take an id, forged and expired JWTs in wslink.hello, siyi without a token, and a bad key
that stops `serve` at start. HS256 tokens are built here with hmac (no JWT library), so the
server is checked against an independent implementation.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import time

import msgpack
import pytest
from websockets.exceptions import ConnectionClosed

os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")

from pywayne.cross_comm import CommMsgType, CrossCommService, Message  # noqa: E402

from conftest import run, server_binary, ws_connect  # noqa: E402

SECRET = b"interop-secret-0123456789abcdef-0123456789"
OTHER_SECRET = b"not-the-servers-secret-0123456789abcdef!!"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hs256(claims: dict, secret: bytes = SECRET, alg: str = "HS256") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def token(subject: str, **claims) -> str:
    return hs256({"sub": subject, "exp": int(time.time()) + 600, **claims})


@pytest.fixture
def auth_server(start_server, tmp_path):
    secret_file = tmp_path / "jwt-secret"
    secret_file.write_bytes(SECRET + b"\n")
    return start_server("--auth", "all", "--jwt-hs256-secret-file", str(secret_file), "--jwt-leeway", "5")


# --- CrossComm -------------------------------------------------------------------------------

def pywayne_client(port: int, client_id: str, jwt: str) -> tuple[CrossCommService, list[Message]]:
    # pywayne builds `ws://{ip}:{port}`: the token rides on the upgrade as `?token=`, the only
    # way an unmodified pywayne client can present one.
    service = CrossCommService(role="client", ip="127.0.0.1", port=f"{port}/?token={jwt}", client_id=client_id)
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


def frame(msg_type: str, sender: str, to: str, content) -> str:
    return json.dumps({"msg_id": f"{sender}_1", "from_client_id": sender, "to_client_id": to, "msg_type": msg_type,
                       "content": content, "timestamp": 1795306411.5, "oss_key": None})


async def refused_login(port: int, client_id: str, content, **connect) -> int:
    """Logs in on a raw socket; returns the close code (the login must get no answer)."""
    async with ws_connect(f"ws://127.0.0.1:{port}/", **connect) as ws:
        await ws.send(frame("login", client_id, "server", content))
        with pytest.raises(ConnectionClosed):
            answer = await asyncio.wait_for(ws.recv(), 10)
            raise AssertionError(f"a refused login was answered: {answer}")
        return ws.close_code


def test_crosscomm_login_under_another_clients_id_is_refused_and_the_victim_keeps_its_messages(auth_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = auth_server.crosscomm_port

    async def scenario():
        alice, at_alice = pywayne_client(port, "alice", token("alice"))
        bob, at_bob = pywayne_client(port, "bob", token("bob"))
        assert await alice.login() and await bob.login()
        await until(lambda: any(m.msg_type == CommMsgType.LOGIN_RESPONSE for m in at_alice), "alice login_response")
        await until(lambda: any(m.msg_type == CommMsgType.LOGIN_RESPONSE for m in at_bob), "bob login_response")

        # Mallory's own valid token does not make her alice; neither does a second, different
        # token of alice's while alice is online; nor a forged or missing one.
        assert await refused_login(port, "alice", {"token": token("mallory")}) == 4502
        assert await refused_login(port, "alice", {"token": token("alice", jti="another")}) == 4502
        assert await refused_login(port, "alice", {"token": hs256({"sub": "alice"}, OTHER_SECRET)}) == 4502
        assert await refused_login(port, "alice", {}) == 4502
        assert await refused_login(port, "alice", {}, additional_headers={"Authorization": f"Bearer {token('mallory')}"}) == 4502

        # Before a login nothing is answered: list_clients goes unanswered until the login.
        async with ws_connect(f"ws://127.0.0.1:{port}/") as carol:
            await carol.send(frame("list_clients", "carol", "server", '{"only_show_online": true}'))
            await carol.send(frame("login", "carol", "server", {"token": token("carol")}))
            assert json.loads(await asyncio.wait_for(carol.recv(), 10))["msg_type"] == "login_response"

        await bob.send_message("for alice only", CommMsgType.TEXT, to_client_id="alice")
        await until(lambda: any(m.msg_type == CommMsgType.TEXT for m in at_alice), "alice's message")
        texts = [m for m in at_alice if m.msg_type == CommMsgType.TEXT]
        assert [(m.content, m.from_client_id) for m in texts] == [("for alice only", "bob")]
        listing = await bob.list_clients(only_show_online=True)
        # carol may still be listed until the hub has seen her socket close.
        assert [c["client_id"] for c in listing["clients"] if c["client_id"] != "carol"] == ["alice", "bob"]
        for service in (alice, bob):
            await service.logout()
            # Close the sockets while the loop still runs, so the server's shutdown finds them gone.
            if service.websocket is not None:
                await service.websocket.close()

    run(scenario(), timeout=60)


# --- wslink ----------------------------------------------------------------------------------

def chunk(message: dict) -> bytes:
    payload = msgpack.packb(message)
    return struct.pack("<III", 1, 0, len(payload)) + payload


def unchunk(data: bytes) -> dict:
    _, offset, size = struct.unpack("<III", data[:12])
    assert offset == 0 and size == len(data) - 12
    return msgpack.unpackb(data[12:])


def hello(secret: str) -> dict:
    return {"wslink": "1.0", "id": "system:c0:0", "method": "wslink.hello", "args": [{"secret": secret}], "kwargs": {}}


REFUSED = {"wslink": "1.0", "id": "system:c0:0", "error": {"code": -32000, "message": "Authentication failed"}}


def test_wslink_forged_and_expired_tokens_get_minus_32000_and_a_valid_one_works(auth_server):
    url = auth_server.urls["wslink"]
    now = int(time.time())
    refused = {
        "forged": hs256({"sub": "alice", "exp": now + 600}, OTHER_SECRET),
        "expired": hs256({"sub": "alice", "exp": now - 60}),
        "not yet valid": hs256({"sub": "alice", "nbf": now + 600}),
        "alg none": hs256({"sub": "alice"}, alg="none").rsplit(".", 1)[0] + ".",
        "shared secret": "wslink-secret",
    }

    async def scenario():
        for name, secret in refused.items():
            async with ws_connect(url) as ws:
                await ws.send(chunk(hello(secret)))
                assert unchunk(await asyncio.wait_for(ws.recv(), 10)) == REFUSED, name
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 4502, name
        # 1.x (JSON text) gets the same answer.
        async with ws_connect(url) as ws:
            await ws.send(json.dumps(hello(refused["expired"])))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == REFUSED
        async with ws_connect(url) as ws:
            await ws.send(chunk(hello(token("alice", role="viewer"))))
            client_id = unchunk(await asyncio.wait_for(ws.recv(), 10))["result"]["clientID"]
            call = {"wslink": "1.0", "id": f"rpc:{client_id}:0", "method": "demo.add", "args": [2, 3], "kwargs": {}}
            await ws.send(chunk(call))
            assert unchunk(await asyncio.wait_for(ws.recv(), 10))["result"] == 5

    run(scenario(), timeout=60)


# --- siyi ------------------------------------------------------------------------------------

ECHO = '{"id":"a1","type":"request","command":"echo","params":{"ok":true}}'


def test_siyi_without_a_valid_token_is_closed_and_with_one_is_served(auth_server):
    url = auth_server.urls["siyi"]

    async def scenario():
        for headers in ({}, {"Authorization": f"Bearer {hs256({'sub': 'dev'}, OTHER_SECRET)}"}):
            async with ws_connect(url, additional_headers=headers) as ws:
                # The close follows the upgrade at once (a send could already find it closed).
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 4502
        for connect in ({"additional_headers": {"Authorization": f"Bearer {token('dev')}"}}, {"url": f"{url}?token={token('dev')}"}):
            async with ws_connect(connect.pop("url", url), **connect) as ws:
                await ws.send(ECHO)
                # The demo server may first ask the new peer for its status: skip its requests.
                while (answer := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != "response":
                    pass
                assert answer["id"] == "a1" and answer["status"] == "ok" and answer["data"] == {"ok": True}

    run(scenario(), timeout=60)


# --- configuration ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--auth", "all"], "--auth needs a key"),
    (["--auth", "wslink,ftp", "--jwt-hs256-secret-file", "{short}"], "not \"ftp\""),
    (["--auth", "all", "--jwt-hs256-secret-file", "{short}"], "at least 32"),
    (["--auth", "siyi", "--jwt-rs256-public-key", "{short}"], "RSA public key"),
    (["--auth", "crosscomm", "--jwt-es256-public-key", "{missing}"], "cannot read"),
    (["--jwt-hs256-secret-file", "{short}"], "only with --auth"),
])
def test_a_bad_configuration_stops_serve_at_start(tmp_path, args, message):
    short = tmp_path / "short"
    short.write_bytes(b"too short\n")
    paths = {"short": str(short), "missing": str(tmp_path / "missing.pem")}
    cmd = [str(server_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--crosscomm-port", "0", "--siyi-port", "0",
           *[a.format(**paths) for a in args]]
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert result.returncode != 0
    assert message in result.stderr.decode(errors="replace"), result.stderr.decode(errors="replace")[-2000:]
