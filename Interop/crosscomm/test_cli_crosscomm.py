"""`switchboard crosscomm send|listen|list` against `switchboard serve`'s hub and pywayne
1.0.1.6.7's own hub: every message a listener prints is the wire JSON the sender wrote.
"""

from __future__ import annotations

import base64
import json

import pytest

from cli import Listener, pywayne_hub, run_cli


@pytest.fixture(params=["switchboard", "pywayne-hub"])
def hub_url(request, server, tmp_path):
    if request.param == "switchboard":
        yield server.urls["crosscomm"]
        return
    peer = pywayne_hub(tmp_path)
    try:
        yield peer.url
    finally:
        peer.stop()


def send(url: str, *args: str) -> dict:
    code, out, err = run_cli("crosscomm", "send", url, *args)
    assert (code, err) == (0, ""), err
    return json.loads(out)


def test_send_reaches_a_listener_as_the_sender_wrote_it(hub_url):
    with Listener("crosscomm", "listen", hub_url, "--id", "bob", "--count", "4") as bob:
        assert bob.wait_ready() == "switchboard: logged in as bob"
        sent = [
            send(hub_url, "--id", "alice", "--to", "bob", "Hello 你好"),
            send(hub_url, "--id", "alice", "--to", "bob", "--type", "dict", '{"action": "update", "n": [1, 2.5, null]}'),
            send(hub_url, "--id", "alice", "--to", "bob", "--type", "bytes", "raw"),
            send(hub_url, "--id", "carol", "--type", "json", '{"k": "v"}'),  # to "all"
        ]
        code, received = bob.finish()
    assert code == 0, bob.stderr_lines
    assert [(m["msg_type"], m["from_client_id"], m["to_client_id"]) for m in sent] == [
        ("text", "alice", "bob"), ("dict", "alice", "bob"), ("bytes", "alice", "bob"), ("json", "carol", "all")]
    assert [m["content"] for m in sent] == [
        "Hello 你好", {"action": "update", "n": [1, 2.5, None]}, base64.b64encode(b"raw").decode(), '{"k": "v"}']
    assert received == sent


def test_list_shows_online_clients_but_not_itself(hub_url):
    with Listener("crosscomm", "listen", hub_url, "--id", "bob", "--count", "1") as bob:
        bob.wait_ready()
        code, out, err = run_cli("crosscomm", "list", hub_url)
        assert (code, err) == (0, "")
        table = json.loads(out)
        assert [(c["client_id"], c["status"]) for c in table["clients"]] == [("bob", "online")]
        assert table["only_show_online"] is True and table["total_count"] == 1
        code, out, _ = run_cli("crosscomm", "list", hub_url, "--id", "lister", "--all")
        assert code == 0
        # --all also shows the first listing's random id (offline; pywayne's hub still says online).
        rows = {c["client_id"]: c["status"] for c in json.loads(out)["clients"]}
        assert (rows["bob"], rows["lister"]) == ("online", "online")
        assert len(rows) == 3
        send(hub_url, "--id", "alice", "--to", "bob", "done")
        code, received = bob.finish()
    assert (code, [m["content"] for m in received]) == (0, ["done"])


def test_listen_filters_and_a_replaced_listener_exits_1(server):
    url = server.urls["crosscomm"]
    with Listener("crosscomm", "listen", url, "--id", "bob", "--from", "carol", "--type", "text") as bob:
        bob.wait_ready()
        send(url, "--id", "alice", "--to", "bob", "not from carol")
        send(url, "--id", "carol", "--to", "bob", "--type", "dict", "{}")
        send(url, "--id", "carol", "--to", "bob", "from carol")
        assert bob.next_json()["content"] == "from carol"
        # A second "bob" replaces the first: the hub closes the older connection with 4501.
        with Listener("crosscomm", "listen", url, "--id", "bob", "--count", "1", "--timeout", "1") as second:
            second.wait_ready()
            code, received = bob.finish()
            assert second.finish()[0] == 124
    assert code == 1
    assert [m["content"] for m in received] == ["from carol"]
    assert "closed the connection with 4501" in bob.stderr_lines[-1]


def test_crosscomm_usage_and_connection_errors():
    code, out, err = run_cli("crosscomm", "send", "ws://127.0.0.1:9/", "--id", "alice", "hi", "--timeout", "5")
    assert (code, out) == (1, "")
    assert err.startswith("switchboard: cannot connect to ws://127.0.0.1:9/")
    code, _, err = run_cli("crosscomm", "send", "ws://127.0.0.1:9/", "--id", "alice", "--type", "dict", "{nope")
    assert code == 64 and "not JSON" in err
    code, _, _ = run_cli("crosscomm", "listen", "ws://127.0.0.1:9/", "--id", "bob", "--type", "login")
    assert code == 64
