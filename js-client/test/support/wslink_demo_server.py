"""The wslink demo protocol of Protocols.md §4 (`demo.add` … `demo.start`), for both generations.

Run with a wslink 2.6.0 venv for the 2.x wire, or 1.12.4 for 1.x (binary results then go
through addAttachment, as 1.x requires):

    python wslink_demo_server.py --host 127.0.0.1 --port 18084 --timeout 0
"""
import asyncio

from wslink import register as exportRpc
from wslink import server
from wslink.websocket import LinkProtocol, ServerProtocol
from importlib.metadata import version

V1 = version("wslink").startswith("1.")


class Demo(LinkProtocol):
    @exportRpc("demo.add")
    def add(self, a, b=0, **kw):
        return a + b

    @exportRpc("demo.echo")
    def echo(self, *args, **kwargs):
        return {"args": list(args), "kwargs": kwargs}

    @exportRpc("demo.bytes")
    def make_bytes(self, n):
        blob = bytes(i % 256 for i in range(n))
        return {"blob": self.addAttachment(blob) if V1 else blob, "n": n}

    @exportRpc("demo.len")
    def length(self, data):
        return {"type": type(data).__name__, "len": len(data)}

    @exportRpc("demo.fail")
    def fail(self):
        raise ValueError("boom")

    @exportRpc("demo.start")
    async def start(self, count=3, topic="demo.tick"):
        for i in range(count):
            payload = bytes([i, i + 1])
            self.publish(topic, {"i": i, "bin": self.addAttachment(payload) if V1 else payload})
            await asyncio.sleep(0.05)
        return {"published": count}


class App(ServerProtocol):
    authKey = "wslink-secret"

    @staticmethod
    def configure(options):
        App.authKey = options.authKey

    def initialize(self):
        self.registerLinkProtocol(Demo())
        self.updateSecret(App.authKey)


if __name__ == "__main__":
    server.start(None, App)
