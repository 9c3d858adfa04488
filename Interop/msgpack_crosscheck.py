#!/usr/bin/env python3
"""Cross-checks Switchboard's Swift msgpack codec against Python msgpack (1.2.4).

Two modes, both line-oriented hex so the Swift test can diff results byte for byte:

  repack   < hex lines   unpack each value with options that preserve it (str vs bytes,
                         non-str map keys, Timestamp objects, ExtType), re-pack it, and
                         print the re-packed hex, or "ERR <message>" for that line.
  generate --seed N --count M
                         print M randomly generated, packed values as hex lines; the
                         same seed always yields the same lines.
"""

import argparse
import random
import sys

import msgpack


def repack(lines):
    out = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            value = msgpack.unpackb(
                bytes.fromhex(line),
                raw=False,
                strict_map_key=False,
                timestamp=0,
                use_list=True,
            )
            out.append(msgpack.packb(value).hex())
        except Exception as error:  # report per line; the Swift test shows which one failed
            out.append("ERR %s: %s" % (type(error).__name__, error))
    return out


INT_RANGES = [
    (0, 127), (128, 255), (256, 65535), (65536, 2**32 - 1), (2**32, 2**63 - 1), (2**63, 2**64 - 1),
    (-32, -1), (-128, -33), (-32768, -129), (-(2**31), -32769), (-(2**63), -(2**31) - 1),
]
LENGTHS = [0, 1, 5, 15, 16, 31, 32, 100, 255, 256, 1000, 65535, 65536]
ALPHABET = "abcxyz019 -_\"\\/\n\t\u00e9\u00fc\u00df\u4e2d\u6587\u0416\u05d0\U0001f600\U0001f4a9\u200d\ufeff"


def rand_length(rng, big_ok):
    choices = LENGTHS if big_ok else LENGTHS[:-4]
    return rng.choice(choices)


def rand_str(rng, big_ok):
    return "".join(rng.choice(ALPHABET) for _ in range(rand_length(rng, big_ok)))


def rand_scalar(rng, big_ok):
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind in (1, 2):
        low, high = rng.choice(INT_RANGES)
        return rng.choice([low, high, rng.randint(low, high)])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1.5, -2.25, 1e308, -1e-308, 5e-324,
                           float("inf"), float("-inf"), float("nan"), rng.uniform(-1e9, 1e9)])
    if kind in (4, 5):
        return rand_str(rng, big_ok)
    if kind == 6:
        return bytes(rng.randrange(256) for _ in range(rand_length(rng, big_ok)))
    if kind == 7:
        code = rng.randrange(128)  # ExtType rejects negative codes (reserved by the spec)
        size = rng.choice([0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 70000 if big_ok else 300])
        return msgpack.ExtType(code, bytes(rng.randrange(256) for _ in range(size)))
    if kind == 8:
        seconds = rng.choice([0, 1, 2**32 - 1, 2**32, 2**34 - 1, 2**34, -1, -(2**40),
                              2**63 - 1, -(2**63), rng.randint(-(2**63), 2**63 - 1)])
        return msgpack.Timestamp(seconds, rng.choice([0, 1, 999999999, rng.randrange(10**9)]))
    return rng.randint(-(2**63), 2**64 - 1)


def rand_value(rng, depth, big_ok=True):
    kind = rng.randrange(10)
    # Wide containers only near the top (to reach array16/map16), so output stays small.
    sizes = [0, 1, 3, 15, 16, 20] if depth == 0 else [0, 1, 2, 3]
    if depth < 4 and kind < 2:
        return [rand_value(rng, depth + 1, False) for _ in range(rng.choice(sizes))]
    if depth < 4 and kind < 4:
        result = {}
        for _ in range(rng.choice(sizes)):
            key = rand_str(rng, False) if rng.random() < 0.7 else rng.randint(-(2**63), 2**64 - 1)
            result[key] = rand_value(rng, depth + 1, False)
        return result
    return rand_scalar(rng, big_ok and depth == 0)


def generate(seed, count):
    rng = random.Random(seed)
    return [msgpack.packb(rand_value(rng, 0)).hex() for _ in range(count)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("repack")
    gen = sub.add_parser("generate")
    gen.add_argument("--seed", type=int, required=True)
    gen.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    if args.mode == "repack":
        lines = repack(sys.stdin)
    else:
        lines = generate(args.seed, args.count)
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
