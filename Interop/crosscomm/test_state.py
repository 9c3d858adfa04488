"""`switchboard serve --state DIR`: CrossComm's client table and offline queue survive a restart
of the process, whether it stops cleanly (SIGTERM) or is killed (kill -9), with real pywayne
1.0.1.6.7 clients on both sides.

The killed case waits until `/stats` says the state file has written every change (the store
writes each batch within milliseconds; kill -9 can only lose a batch not yet written).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")

from pywayne.cross_comm import CommMsgType  # noqa: E402

from conftest import _start, run  # noqa: E402
from crosscomm.test_pywayne_clients import client, data, until  # noqa: E402


def serve(state: Path, workdir: Path):
    return _start(["--state", str(state), "--crosscomm-offline-queue", "10", "--stats"], workdir, expect_content=False)


def crosscomm_stats(server) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/stats", timeout=5) as response:
        return json.loads(response.read())["crosscomm"]


def wait_for_stats(server, predicate, what: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = crosscomm_stats(server)
        if predicate(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {stats}")
        time.sleep(0.02)


@pytest.mark.parametrize("stop", ["sigterm", "kill-9"])
def test_table_and_queue_survive_a_restart(stop, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state = tmp_path / "state"
    first = serve(state, tmp_path)
    try:
        async def before():
            alice, at_alice = client(first.crosscomm_port, "alice")
            bob, _ = client(first.crosscomm_port, "bob")
            assert await alice.login() and await bob.login()
            await until(lambda: any(m.msg_type == CommMsgType.LOGIN_RESPONSE for m in at_alice), "alice login_response")
            await alice.logout()
            alice.stop()
            await until(lambda: crosscomm_stats(first)["online"] == 1, "alice offline")
            # bob stays online while he sends: his messages are queued for alice, not dropped.
            await bob.send_message("while you were away", CommMsgType.TEXT, to_client_id="alice")
            await bob.send_message({"n": 2, "nested": [1, 2.5, None]}, CommMsgType.DICT, to_client_id="alice")
            await bob.logout()
            bob.stop()

        run(before())
        stats = wait_for_stats(first, lambda s: s["queued_messages"] == 2 and s["state"]["pending"] == 0,
                               "two queued messages written")
        assert stats["clients"] == 2
        if stop == "sigterm":
            assert first.terminate() == 0, first.stderr()[-4000:]
        else:
            first.proc.kill()
            first.proc.wait(timeout=10)
    finally:
        if first.proc.poll() is None:
            first.proc.kill()
            first.proc.wait(timeout=10)

    second = serve(state, tmp_path)
    try:
        stats = crosscomm_stats(second)
        assert (stats["clients"], stats["online"], stats["queued_messages"]) == (2, 0, 2), stats

        async def after():
            lister, _ = client(second.crosscomm_port, "lister")
            assert await lister.login()
            table = await lister.list_clients(only_show_online=False)
            rows = {row["client_id"]: row["status"] for row in table["clients"]}
            assert rows == {"alice": "offline", "bob": "offline", "lister": "online"}, table
            alice, at_alice = client(second.crosscomm_port, "alice")
            assert await alice.login()
            await until(lambda: len(data(at_alice)) == 2, "alice's two queued messages")
            received = data(at_alice)
            assert [(m.from_client_id, m.msg_type) for m in received] == [("bob", CommMsgType.TEXT), ("bob", CommMsgType.DICT)]
            assert received[0].content == "while you were away"
            assert received[1].content == {"n": 2, "nested": [1, 2.5, None]}
            for peer in (alice, lister):
                await peer.logout()
                peer.stop()

        run(after(), timeout=30)
        wait_for_stats(second, lambda s: s["queued_messages"] == 0 and s["state"]["pending"] == 0, "queue emptied")
    finally:
        assert second.terminate() == 0, second.stderr()[-4000:]

    # Delivered messages stay delivered: a third start has no queue left.
    third = serve(state, tmp_path)
    try:
        assert crosscomm_stats(third)["queued_messages"] == 0
    finally:
        assert third.terminate() == 0
