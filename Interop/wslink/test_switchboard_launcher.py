"""`switchboard launcher` and Python's `wslink.launcher` with one launcher.config, crosswise.

(Both launchers also apply the same sanitize rules before a value reaches a command line.)

* ours starting `switchboard serve` sessions: two sessions with their own process and port,
  RPCs directly and through `/proxy?sessionId=<id>&path=ws`, DELETE ends the process and frees
  the port, a third start on a two-port pool is 503, a command without its ready line gets
  the timeout answer;
* the same file run by Python's `wslink.launcher` (wslink 2.6.0) starting our session server;
* ours starting the Python wslink demo server (Interop/wslink/demo_server_v2.py).

Needs SWITCHBOARD_BIN (the CLI) and SWITCHBOARD_WSLINK2_PYTHON (a Python with wslink 2.6.0).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run, server_binary, ws_connect
from test_wslink_serve import call, chunk, hello, unchunk

HERE = Path(__file__).resolve().parent
DEADLINE = 20.0

# The documented launcher.config format (wslink/launcher.py's sample), comments included;
# ${...} of the form @NAME@ are filled by the test.
CONFIG = """
{
    // ===============================
    // General launcher configuration
    // ===============================
    "configuration": {
        "host" : "127.0.0.1",
        "port" : @LAUNCHER_PORT@,
        "endpoint": "paraview",                    // SessionManager Endpoint
        "content": "",                             // Optional: Directory shared over HTTP
        "proxy_file" : "@DIR@/proxy-mapping.txt",  // Proxy-Mapping file for Apache
        "sessionURL" : "ws://${host}:${port}/ws",  // ws url used by the client to connect to the started process
        "timeout" : @TIMEOUT@,                     // Wait time in second after process start
        "log_dir" : "@DIR@/logs",                  // Directory for log files
        "fields" : ["file", "port"],               // List of fields that should be send back to client
        "sanitize": {                              // Check information coming from the client
            "file": { "type": "regexp", "regexp": "^[A-Za-z0-9_.-]+$", "default": "safe.vtk" },
            "mode": { "type": "inList", "list": ["fast", "slow"], "default": "fast" }
        }
    },
    /* Resources list for applications */
    "resources" : [ { "host" : "127.0.0.1", "port_range" : [@PORT_LOW@, @PORT_HIGH@] } ],
    "properties" : {
        "switchboard" : "@SWITCHBOARD@",
        "python" : "@PYTHON@",
        "demo_server" : "@DEMO@"
    },
    "apps" : {
        "switchboard" : {
            "cmd" : [ "${switchboard}", "serve", "--host", "${host}", "--port", "${port}", "--authKey", "${secret}",
                      "--crosscomm-port", "off", "--siyi-port", "off", "--timeout", "300" ],
            "ready_line" : "wslink: Starting factory"
        },
        "idle_exit" : {
            "cmd" : [ "${switchboard}", "serve", "--host", "${host}", "--port", "${port}", "--authKey", "${secret}",
                      "--crosscomm-port", "off", "--siyi-port", "off", "--timeout", "1" ],
            "ready_line" : "wslink: Starting factory"
        },
        "python_demo" : {
            "cmd" : [ "${python}", "${demo_server}", "--host", "${host}", "--port", "${port}", "--authKey", "${secret}", "--timeout", "300" ],
            "ready_line" : "wslink: Starting factory"
        },
        "argv" : {
            "cmd" : [ "${python}", "-c", "import sys, time; print('argv', sys.argv[1:], flush=True); print('Starting factory', flush=True); time.sleep(120)",
                      "${file}", "${mode}" ],
            "ready_line" : "Starting factory"
        },
        "never_ready" : {
            "cmd" : [ "${python}", "-c", "import time; time.sleep(120)" ],
            "ready_line" : "Starting factory"
        }
    }
}
"""


def wslink2_python() -> str:
    path = os.environ.get("SWITCHBOARD_WSLINK2_PYTHON", str(HERE.parent.parent / ".venv-wslink2/bin/python"))
    if not Path(path).exists():
        raise AssertionError(f"{path} missing: scripts/test creates .venv-wslink2 with wslink==2.6.0")
    return path


def free_ports(count: int, consecutive: bool = False) -> list[int]:
    """Ports that are free now; `consecutive` finds a run of `count` for a port_range."""
    for _ in range(200):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
        probe.close()
        ports = list(range(base, base + count)) if consecutive else [base]
        sockets = []
        try:
            for port in ports:
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
        if not consecutive and count > 1:
            return [ports[0]] + free_ports(count - 1)
        return ports
    raise AssertionError("no free ports")


def write_config(directory: Path, timeout: int = 20, launcher_port: int | None = None) -> tuple[Path, int, list[int]]:
    launcher_port = launcher_port or free_ports(1)[0]
    pool = free_ports(2, consecutive=True)
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    text = (
        CONFIG.replace("@LAUNCHER_PORT@", str(launcher_port))
        .replace("@DIR@", str(directory))
        .replace("@TIMEOUT@", str(timeout))
        .replace("@PORT_LOW@", str(pool[0]))
        .replace("@PORT_HIGH@", str(pool[1]))
        .replace("@SWITCHBOARD@", str(server_binary()))
        .replace("@PYTHON@", wslink2_python())
        .replace("@DEMO@", str(HERE / "demo_server_v2.py"))
    )
    path = directory / "launcher.config"
    path.write_text(text)
    return path, launcher_port, pool


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE + 10)
    try:
        payload = json.dumps(body).encode() if body is not None else b""
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def wait_for_port(port: int, proc: subprocess.Popen, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"launcher exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port} after {deadline} s")


def port_is_listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    return proc.returncode


@pytest.fixture
def launch(tmp_path: Path):
    """Factory: launch(kind, timeout=20) -> (launcher port, pool ports, log dir); kind is
    'switchboard' or 'python'. Every launcher is stopped at teardown (and with it its sessions)."""
    started: list[subprocess.Popen] = []

    def start(kind: str, timeout: int = 20):
        directory = tmp_path / f"{kind}-{len(started)}"
        config, port, pool = write_config(directory, timeout)
        if kind == "switchboard":
            cmd = [str(server_binary()), "launcher", str(config)]
            env = dict(os.environ)
        else:
            cmd = [wslink2_python(), "-m", "wslink.launcher", str(config)]
            env = dict(os.environ, WSLINK_LAUNCHER_GET="1", WSLINK_LAUNCHER_DELETE="1")
        log = open(directory / "launcher.out", "wb")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        started.append(proc)
        wait_for_port(port, proc)
        return port, pool, directory

    yield start
    for proc in started:
        stop(proc)


async def rpc_add(url: str, secret: str, a: int, b: int):
    async with ws_connect(url) as ws:
        await ws.send(chunk(hello(secret)))
        client_id = unchunk(await asyncio.wait_for(ws.recv(), 10))["result"]["clientID"]
        await ws.send(chunk(call(f"rpc:{client_id}:0", "demo.add", [a], {"b": b})))
        return unchunk(await asyncio.wait_for(ws.recv(), 10))["result"]


def test_switchboard_launcher_starts_switchboard_sessions_and_proxies_them(launch):
    port, pool, directory = launch("switchboard")
    status, first = request(port, "POST", "/paraview/", {"application": "switchboard", "file": "a.vtk"})
    assert status == 200, first
    status, second = request(port, "POST", "/paraview/", {"application": "switchboard"})
    assert status == 200, second
    # fields + id + sessionURL, and the secret because the command line uses it.
    assert list(first) == ["file", "id", "port", "secret", "sessionURL"]
    assert {first["port"], second["port"]} == set(pool)
    assert first["sessionURL"] == f"ws://127.0.0.1:{first['port']}/ws"
    assert first["secret"] != second["secret"]
    mapping = (directory / "proxy-mapping.txt").read_text()
    assert f"{first['id']} 127.0.0.1:{first['port']}\n" in mapping

    for session, n in ((first, 1), (second, 2)):
        # Directly on the session's port, and through the launcher's proxy.
        assert run(rpc_add(session["sessionURL"], session["secret"], 40, n)) == 40 + n
        proxied = f"ws://127.0.0.1:{port}/proxy?sessionId={session['id']}&path=ws"
        assert run(rpc_add(proxied, session["secret"], 100, n)) == 100 + n

    assert request(port, "POST", "/paraview/", {"application": "switchboard"}) == (503, {"error": "All the resources are currently taken"})
    assert request(port, "GET", f"/paraview/{first['id']}") == (200, {k: first[k] for k in ("file", "id", "port", "sessionURL")})

    status, deleted = request(port, "DELETE", f"/paraview/{first['id']}")
    assert status == 200 and deleted["id"] == first["id"]
    assert not port_is_listening(first["port"]), "DELETE returns once the process group is gone"
    assert first["id"] not in (directory / "proxy-mapping.txt").read_text()
    assert request(port, "DELETE", f"/paraview/{first['id']}") == (404, {"error": f"No session with id: {first['id']}"})

    status, third = request(port, "POST", "/paraview/", {"application": "switchboard"})
    assert status == 200 and third["port"] == first["port"], "the freed port is handed out again"
    assert run(rpc_add(third["sessionURL"], third["secret"], 1, 1)) == 2


def test_switchboard_launcher_answers_like_wslinks_for_bad_and_slow_starts(launch):
    port, _, directory = launch("switchboard", timeout=3)
    assert request(port, "POST", "/paraview/", {"file": "x"}) == (400, {"error": "The request is not complete"})
    started = time.monotonic()
    assert request(port, "POST", "/paraview/", {"application": "never_ready"}) == (
        503, {"error": "Session did not start before timeout expired. Check session logs."})
    assert 3 <= time.monotonic() - started < 15
    assert (directory / "proxy-mapping.txt").read_text() == ""
    # The port went back to the pool: a ready app still starts.
    assert request(port, "POST", "/paraview/", {"application": "switchboard"})[0] == 200


def test_a_session_server_idle_after_its_client_left_exits_and_frees_its_port(launch):
    port, _, directory = launch("switchboard")
    status, session = request(port, "POST", "/paraview/", {"application": "idle_exit"})
    assert status == 200, session
    proxied = f"ws://127.0.0.1:{port}/proxy?sessionId={session['id']}&path=ws"
    assert run(rpc_add(proxied, session["secret"], 1, 2)) == 3
    # The client has gone: serve's --timeout 1 ends the process, the launcher notices and
    # drops the session (GET answers wslink's unknown-id error) and its mapping line.
    end = time.monotonic() + DEADLINE
    while request(port, "GET", f"/paraview/{session['id']}")[0] == 200 and time.monotonic() < end:
        time.sleep(0.1)
    assert request(port, "GET", f"/paraview/{session['id']}") == (400, {"error": f"No session with id: {session['id']}"})
    assert not port_is_listening(session["port"])
    assert (directory / "proxy-mapping.txt").read_text() == ""


@pytest.mark.parametrize("kind", ["switchboard", "python"])
def test_a_sanitize_violation_never_reaches_the_process_in_either_launcher(launch, kind):
    port, _, directory = launch(kind)
    status, session = request(port, "POST", "/paraview/", {"application": "argv", "file": "x.vtk; rm -rf $HOME", "mode": "evil"})
    assert status == 200, session
    assert session["file"] == "safe.vtk"
    log = (directory / "logs" / f"{session['id']}.txt").read_text()
    assert "argv ['safe.vtk', 'fast']" in log and "rm -rf" not in log and "evil" not in log
    status, session = request(port, "POST", "/paraview/", {"application": "argv", "file": "ok.vtk", "mode": "slow"})
    assert status == 200 and session["file"] == "ok.vtk"
    assert "argv ['ok.vtk', 'slow']" in (directory / "logs" / f"{session['id']}.txt").read_text()


def test_python_wslink_launcher_starts_switchboard_serve(launch):
    port, pool, directory = launch("python")
    status, session = request(port, "POST", "/paraview/", {"application": "switchboard", "file": "a.vtk"})
    assert status == 200, session
    assert sorted(session) == ["file", "id", "port", "secret", "sessionURL"]
    assert session["port"] in pool
    assert run(rpc_add(session["sessionURL"], session["secret"], 20, 22)) == 42
    log = (directory / "logs" / f"{session['id']}.txt").read_text()
    assert "wslink: Starting factory" in log
    status, _ = request(port, "DELETE", f"/paraview/{session['id']}")
    assert status == 200
    # Python's launcher sends SIGTERM and does not wait: the server exits on its own.
    end = time.monotonic() + DEADLINE
    while port_is_listening(session["port"]) and time.monotonic() < end:
        time.sleep(0.05)
    assert not port_is_listening(session["port"])


def test_switchboard_launcher_starts_the_python_wslink_demo_server(launch):
    port, pool, _ = launch("switchboard")
    status, session = request(port, "POST", "/paraview/", {"application": "python_demo"})
    assert status == 200, session
    assert session["port"] in pool
    assert run(rpc_add(session["sessionURL"], session["secret"], 2, 3)) == 5
    proxied = f"ws://127.0.0.1:{port}/proxy?sessionId={session['id']}&path=ws"
    assert run(rpc_add(proxied, session["secret"], 4, 5)) == 9
    status, _ = request(port, "DELETE", f"/paraview/{session['id']}")
    assert status == 200 and not port_is_listening(session["port"])
