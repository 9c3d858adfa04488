"""A real pywayne cross_comm server plus a pywayne client "pybob", for the Swift interop test.

    python pywayne_hub.py PORT RECORD_FILE
    python pywayne_hub.py free-port          # prints a free TCP port on 127.0.0.1

pybob appends every message it receives to RECORD_FILE as one JSON line
({"type", "from", "to", "content"}, bytes content as hex) and answers a text "ping" with a
text "pong" to the sender. Runs until killed.
"""

import asyncio
import json
import os
import signal
import socket
import sys

# Foundation's Process starts children with SIGTERM blocked; restore it so terminate() works.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

# pywayne's constructor builds an OSS client and needs these, even when files are never sent.
os.environ.setdefault("OSS_ENDPOINT", "http://127.0.0.1:9")
os.environ.setdefault("OSS_BUCKET_NAME", "dummy-bucket")


async def main(port: int, record: str) -> None:
    from pywayne.cross_comm import CommMsgType, CrossCommService, Message

    server = CrossCommService(role="server", ip="127.0.0.1", port=port)
    serving = asyncio.create_task(server.start_server())
    bob = CrossCommService(role="client", ip="127.0.0.1", port=port, client_id="pybob")

    @bob.message_listener()
    async def on_message(message: Message) -> None:
        content = message.content
        if isinstance(content, (bytes, bytearray)):
            content = {"hex": bytes(content).hex()}
        with open(record, "a", encoding="utf-8") as out:
            out.write(json.dumps({"type": message.msg_type.value, "from": message.from_client_id,
                                  "to": message.to_client_id, "content": content}) + "\n")
        if message.msg_type == CommMsgType.TEXT and message.content == "ping":
            await bob.send_message("pong", CommMsgType.TEXT, to_client_id=message.from_client_id)

    for _ in range(100):
        await asyncio.sleep(0.05)
        if await bob.login():
            break
    await serving


if __name__ == "__main__":
    if sys.argv[1] == "free-port":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            print(probe.getsockname()[1])
    else:
        os.chdir(os.path.dirname(os.path.abspath(sys.argv[2])))  # the server writes its YAML here
        asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
