"""SmartConnect's session manager: `POST /paraview/` on `switchboard serve`'s main port.

The launch answer must point at this server's wslink endpoint with a secret that works.
"""

from __future__ import annotations

import http.client
import json

from conftest import run, ws_connect
from test_wslink_serve import chunk, hello, unchunk


def post(port: int, path: str, body: bytes, method: str = "POST") -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_launch_returns_this_servers_session_and_the_secret_works(server):
    status, reply = post(server.port, "/paraview/", json.dumps({"application": "viewer", "file": "foo.vtk"}).encode())
    assert status == 200
    assert sorted(reply) == ["application", "file", "id", "secret", "sessionURL"]
    assert reply["sessionURL"] == server.urls["wslink"]

    async def main():
        async with ws_connect(reply["sessionURL"]) as ws:
            await ws.send(chunk(hello(reply["secret"])))
            return unchunk(await ws.recv())

    answer = run(main())
    assert answer["id"] == "system:c0:0" and "clientID" in answer["result"]

    status, fetched = post(server.port, f"/paraview/{reply['id']}", b"", method="GET")
    assert (status, fetched) == (200, reply)


def test_incomplete_launch_is_400_with_the_python_launchers_text(server):
    for body in [b"", b"not json", json.dumps({"file": "x"}).encode()]:
        assert post(server.port, "/paraview/", body) == (400, {"error": "The request is not complete"})


def test_unknown_session_id_is_404(server):
    assert post(server.port, "/paraview/nope", b"", method="DELETE") == (404, {"error": "No session with id: nope"})
