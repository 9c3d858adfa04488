"""The real pywayne CrossComm hub (server role only) for the benchmarks.

    .venv-bench/bin/python Benchmarks/peers/pywayne_server.py --port 0

pywayne cannot bind port 0 itself, so port 0 picks a free port first. Prints
"crosscomm listening on ws://127.0.0.1:<port>/" once the hub accepts connections.
"""

import argparse
import asyncio
import os
import socket
import sys
import tempfile

# pywayne's constructor builds an OSS client and needs these, even when files are never sent.
os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


async def wait_listening(host: str, port: int) -> None:
    for _ in range(400):
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.025)
    raise SystemExit(f"pywayne hub did not listen on {host}:{port}")


async def main(host: str, port: int) -> None:
    from pywayne.cross_comm import CrossCommService

    server = CrossCommService(role="server", ip=host, port=port)
    serving = asyncio.create_task(server.start_server())
    await wait_listening(host, port)
    print(f"crosscomm listening on ws://{host}:{port}/", flush=True)
    await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="pywayne-bench-"))  # the hub writes its YAML in the cwd
    try:
        asyncio.run(main(args.host, args.port or free_port(args.host)))
    except KeyboardInterrupt:
        sys.exit(0)
