"""`switchboard siyi request|event|listen` against `switchboard serve` (the siyi README's demo
server) and against a Python peer that answers the way the captured original server does
(the original library is not installable; its frames are in Tests/Vectors/siyi.json).
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from cli import Listener, run_cli
from conftest import REPO_ROOT

VECTORS = {v["name"]: v for v in json.loads((REPO_ROOT / "Tests" / "Vectors" / "siyi.json").read_text("utf-8"))["vectors"]}


class CapturedServer:
    """A websockets server in a background thread speaking the captured server side: it sends
    each new connection the captured heartbeat request and, once answered, the captured `news`
    event; it answers `echo` with its params and `boom` with the captured handler error, and
    records every frame it receives."""

    def __init__(self):
        self.received: list[str] = []
        self.changed = threading.Condition()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(20), "captured siyi server did not start"

    def _run(self, ready: threading.Event) -> None:
        from websockets.asyncio.server import serve

        async def handler(ws):
            # Nothing is answered before the client answered the captured heartbeat request, so
            # every command that gets a reply or an event has provably answered it first.
            await ws.send(VECTORS["heartbeat.request"]["text"])
            answered, waiting = False, []
            async for text in ws:
                with self.changed:
                    self.received.append(text)
                    self.changed.notify_all()
                message = json.loads(text)
                if text == VECTORS["heartbeat.response"]["text"]:
                    answered = True
                    await ws.send(VECTORS["broadcast_event.conn1"]["text"])
                    for request in waiting:
                        await ws.send(self.reply(request))
                elif message.get("type") == "request":
                    if answered:
                        await ws.send(self.reply(message))
                    else:
                        waiting.append(message)

        async def main():
            async with serve(handler, "127.0.0.1", 0, ping_interval=None) as server:
                self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
                self.stopped = asyncio.Event()
                ready.set()
                await self.stopped.wait()

        self.loop.run_until_complete(main())

    def wait_for(self, predicate, what: str, timeout: float = 10.0) -> None:
        """Waits (bounded) until `predicate(received)` holds: the handler runs on its own thread."""
        with self.changed:
            if not self.changed.wait_for(lambda: predicate(self.received), timeout):
                raise AssertionError(f"captured server: no {what} within {timeout} s; received {self.received}")

    @staticmethod
    def reply(request: dict) -> str:
        """The original server's answer: echo's params back, `boom`'s handler error."""
        if request["command"] == "boom":
            reply = {"id": request["id"], "type": "response", "status": "error", "data": None, "error": "kaboom"}
        else:
            reply = {"id": request["id"], "type": "response", "status": "ok", "data": request["params"], "error": None}
        return json.dumps(reply, separators=(",", ":"))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stopped.set)
        self.thread.join(timeout=10)


@pytest.fixture
def captured():
    server = CapturedServer()
    yield server
    server.stop()


def test_request_prints_the_data_of_the_response(server):
    url = server.urls["siyi"]
    assert run_cli("siyi", "request", url, "echo", '{"message": "Hello, World!"}') == (0, '{"message":"Hello, World!"}\n', "")
    code, out, err = run_cli("siyi", "request", url, "nope")
    assert (code, out, err) == (1, "", "switchboard: nope failed: unknown command nope\n")


def test_event_reaches_a_listener(server):
    url = server.urls["siyi"]
    with Listener("siyi", "listen", url, "--count", "1", "--name", "player_updated_notification") as listener:
        assert listener.wait_ready() == f"switchboard: connected to {url}"
        assert run_cli("siyi", "event", url, "player_update", '{"player": "Steve", "health": 95}') == (0, "", "")
        code, events = listener.finish()
    assert code == 0, listener.stderr_lines
    assert [(e["type"], e["name"], e["data"]) for e in events] == [
        ("event", "player_updated_notification", {"player": "Steve", "health": 95})]
    assert list(events[0]) == ["id", "type", "name", "data"]


def test_against_the_captured_server_side(captured):
    code, out, err = run_cli("siyi", "request", captured.url, "echo", '{"k": "echo"}')
    assert (code, out, err) == (0, '{"k":"echo"}\n', "")
    code, out, err = run_cli("siyi", "request", captured.url, "boom", '{"k": "boom"}')
    assert (code, out, err) == (1, "", "switchboard: boom failed: kaboom\n")
    with Listener("siyi", "listen", captured.url, "--count", "1") as listener:
        code, events = listener.finish()
    assert code == 0, listener.stderr_lines
    assert events == [json.loads(VECTORS["broadcast_event.conn1"]["text"])]
    assert run_cli("siyi", "event", captured.url, "player_update", '{"player": "Steve"}') == (0, "", "")
    captured.wait_for(lambda received: any('"type":"event"' in text for text in received), "event")

    frames = [json.loads(text) for text in captured.received]
    # request, request and listen answered the captured heartbeat request byte for byte as the
    # original client did (the event's connection may close before the request reaches it).
    assert captured.received.count(VECTORS["heartbeat.response"]["text"]) >= 3
    requests = [f for f in frames if f.get("type") == "request"]
    assert [(r["command"], r["params"], list(r)) for r in requests] == [
        ("echo", {"k": "echo"}, ["id", "type", "command", "params"]),
        ("boom", {"k": "boom"}, ["id", "type", "command", "params"])]
    assert all(len(r["id"]) == 36 and r["id"] == r["id"].lower() for r in requests)
    events = [f for f in frames if f.get("type") == "event"]
    assert [(e["name"], e["data"], list(e)) for e in events] == [("player_update", {"player": "Steve"}, ["id", "type", "name", "data"])]


def test_siyi_usage_and_connection_errors(server):
    code, out, err = run_cli("siyi", "request", "ws://127.0.0.1:9/", "echo", "--timeout", "5")
    assert (code, out) == (1, "")
    assert err.startswith("switchboard: cannot connect to ws://127.0.0.1:9/")
    assert run_cli("siyi", "request", server.urls["siyi"], "echo", "[1]")[0] == 64
    with Listener("siyi", "listen", server.urls["siyi"], "--count", "1", "--name", "never", "--timeout", "1") as listener:
        listener.wait_ready()
        assert listener.finish() == (124, [])
