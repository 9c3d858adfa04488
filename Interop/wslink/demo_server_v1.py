"""The wslink 1.x demo server (demo protocol: Protocols.md §4, 1.x variant), run with wslink 1.12.4.

    .venv-wslink1/bin/python Interop/wslink/demo_server_v1.py --host 127.0.0.1 --port 0 --timeout 0
"""

import asyncio

from wslink import register as exportRpc
from wslink import server
from wslink.websocket import LinkProtocol, ServerProtocol

import interop_port


class Demo(LinkProtocol):
    @exportRpc("demo.add")
    def add(self, a, b=0, **kw):
        return a + b

    @exportRpc("demo.echo")
    def echo(self, *args, **kwargs):
        return {"args": list(args), "kwargs": kwargs}

    @exportRpc("demo.bytes")
    def make_bytes(self, n):
        return {
            "blob": self.addAttachment(bytes(i % 256 for i in range(n))),
            "n": n,
            "pair": [self.addAttachment(b"\x01\x02"), self.addAttachment(b"\x03")],
        }

    @exportRpc("demo.rawbytes")
    def raw(self):
        return b"abc"

    @exportRpc("demo.len")
    def length(self, data):
        return {"type": type(data).__name__, "len": len(data)}

    @exportRpc("demo.special")
    def special(self):
        return [float("inf"), float("nan")]

    @exportRpc("demo.fail")
    def fail(self):
        raise ValueError("boom")

    @exportRpc("demo.start")
    async def start(self, count=2):
        for i in range(count):
            self.publish("demo.tick", {"i": i, "img": self.addAttachment(bytes([i] * 3))})
            await asyncio.sleep(0.05)
        return count


class App(ServerProtocol):
    authKey = "wslink-secret"

    @staticmethod
    def configure(options):
        App.authKey = options.authKey

    def initialize(self):
        self.registerLinkProtocol(Demo())
        self.updateSecret(App.authKey)


if __name__ == "__main__":
    interop_port.announce_bound_port()
    server.start(None, App)
