"""Lets the demo servers bind port 0: prints "interop: port <n>" once aiohttp is listening.

wslink itself only prints its ready message, which does not say which port the OS chose.
"""

import os
import sys

import aiohttp.web as aiohttp_web


def announce_bound_port():
    original_start = aiohttp_web.TCPSite.start

    async def start(self):
        await original_start(self)
        port = self._server.sockets[0].getsockname()[1]
        os.write(1, f"\ninterop: port {port}\n".encode())
        sys.stdout.flush()

    aiohttp_web.TCPSite.start = start
