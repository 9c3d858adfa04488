"""The wslink 2.x demo server (demo protocol: Protocols.md §4), run with wslink 2.6.0 for interop tests.

    .venv-wslink2/bin/python Interop/wslink/demo_server_v2.py --host 127.0.0.1 --port 0 --timeout 0

Prints "wslink: Starting factory" when ready; with --port 0 it also prints
"interop: port <n>" so tests learn the port.
"""

import asyncio
import time

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
        return {"blob": bytes(i % 256 for i in range(n)), "n": n}

    @exportRpc("demo.fail")
    def fail(self):
        raise ValueError("boom")

    @exportRpc("demo.start")
    async def start(self, count=3, topic="demo.tick"):
        for i in range(count):
            self.publish(topic, {"i": i, "bin": bytes([i, i + 1])})
            await asyncio.sleep(0.05)
        return {"published": count}

    @exportRpc("demo.flood")
    async def flood(self, topic="demo.flood", count=100, size=64, rate=0):
        # Benchmark publish source (switchboard-bench wslink-publish); "t" is CLOCK_MONOTONIC ns,
        # the clock the load generator reads, for publish-to-delivery latency.
        blob = b"\xab" * size
        for i in range(count):
            self.publish(topic, {"i": i, "t": time.monotonic_ns(), "bin": blob})
            if rate > 0:
                await asyncio.sleep(1 / rate)
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
    interop_port.announce_bound_port()
    server.start(None, App)
