#!/usr/bin/env python3
"""Writes libFuzzer seed corpora for scripts/fuzz.sh from the golden vectors.

usage: fuzz-seeds.py VECTORS_DIR OUT_DIR

One directory per target under OUT_DIR, one file per seed, named by the SHA-1 of its
content (as libFuzzer names corpus files). Frame sequences use the layout of
Sources/SwitchboardFuzzing/FuzzFrames.swift: a flags byte (bit 0: text), a 16-bit
big-endian length, the bytes.
"""
import hashlib
import json
import os
import struct
import sys


def frames(sequence):
    out = bytearray()
    for is_text, data in sequence:
        out += bytes([1 if is_text else 0]) + struct.pack(">H", len(data)) + data
    return bytes(out)


def frame_bytes(vector):
    if "hex" in vector:
        return bytes.fromhex(vector["hex"])
    if "text" in vector:
        return vector["text"].encode("utf-8")
    return None


def chunked(frame, parts):
    """Re-splits one whole wslink 2.x chunk message into `parts` chunks of the same id."""
    ident, _, size = struct.unpack("<III", frame[:12])
    payload = frame[12:]
    step = max(1, len(payload) // parts)
    out = []
    for offset in range(0, len(payload), step):
        out.append(struct.pack("<III", ident, offset, size) + payload[offset:offset + step])
    return out


def masked_frame(is_text, payload):
    """One final client frame (RFC 6455 §5.2), masked with a fixed key."""
    key = bytes([0x37, 0xfa, 0x21, 0x3d])
    head = bytes([0x81 if is_text else 0x82])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    else:
        head += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def main():
    vectors_dir, out_dir = sys.argv[1], sys.argv[2]
    load = lambda name: json.load(open(os.path.join(vectors_dir, name + ".json")))["vectors"]
    seeds = {target: set() for target in ("msgpack", "wslink-v2", "wslink-v1", "crosscomm", "siyi", "json", "upgrade")}

    v2 = load("wslink-v2")
    sessions = {}
    for vector in v2:
        data = frame_bytes(vector)
        if data is None or vector.get("frame") == "text":
            continue
        seeds["msgpack"].add(data[12:])
        seeds["wslink-v2"].add(frames([(False, data)]))
        if vector["direction"] == "client->server":
            sessions.setdefault(vector.get("session"), []).append(data)
    for session in sessions.values():
        seeds["wslink-v2"].add(frames([(False, data) for data in session]))
        # The same session with every message cut into three chunks, the last one out of order.
        split = [chunks for data in session for chunks in [chunked(data, 3)]]
        seeds["wslink-v2"].add(frames([(False, c) for chunks in split for c in chunks[:-2] + chunks[-1:] + chunks[-2:-1]]))

    v1_sessions = {}
    for vector in load("wslink-v1"):
        data = frame_bytes(vector)
        if data is None:
            continue
        is_text = vector.get("frame") != "binary"
        if is_text:
            seeds["json"].add(data)
            seeds["wslink-v1"].add(frames([(True, data)]))
        if vector["direction"] == "client->server":
            v1_sessions.setdefault(vector.get("session"), []).append((is_text, data))
    for session in v1_sessions.values():
        seeds["wslink-v1"].add(frames(session))

    for name in ("crosscomm", "siyi"):
        for vector in load(name):
            data = frame_bytes(vector)
            if data is None:
                continue
            seeds[name].add(data)
            seeds["json"].add(data)

    # upgrade: the captured client handshake on each routed path, alone and followed by the
    # first client->server frame of each protocol, masked as a client sends it.
    request = json.load(open(os.path.join(vectors_dir, "crosscomm.json")))["handshake"]["request"]
    heads = []
    for path in ("/ws", "/echo", "/unrouted"):
        lines = [f"GET {path} HTTP/1.1"] + request[1:]
        heads.append(("\r\n".join(lines) + "\r\n\r\n").encode())
    firsts = []
    for name in ("wslink-v2", "wslink-v1", "crosscomm", "siyi"):
        for vector in load(name):
            data = frame_bytes(vector)
            if data is not None and vector["direction"] == "client->server":
                firsts.append((vector.get("frame") == "text" or name in ("crosscomm", "siyi"), data))
                break
    for head in heads:
        seeds["upgrade"].add(head)
        for is_text, data in firsts:
            seeds["upgrade"].add(head + masked_frame(is_text, data[:4096]))

    for target, items in seeds.items():
        directory = os.path.join(out_dir, target)
        os.makedirs(directory, exist_ok=True)
        for item in items:
            with open(os.path.join(directory, hashlib.sha1(item).hexdigest()), "wb") as handle:
                handle.write(item)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()
