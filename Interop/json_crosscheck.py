"""JSON cross-check helper for the Swift tests (Tests/SwitchboardCoreTests/JSONValueTests).

    json_crosscheck.py redump   stdin: one JSON document per line; stdout: for each, the
                                document re-dumped as  <json.dumps default>\t<separators=(",", ":")>

json.loads keeps key order (dicts are ordered), so a byte-identical re-dump proves the Swift
writer matches Python's json module: separators, ensure_ascii escapes, float repr, NaN/Infinity.
"""
import json
import sys


def main() -> int:
    if sys.argv[1:] != ["redump"]:
        print(__doc__, file=sys.stderr)
        return 2
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        value = json.loads(line)
        print(json.dumps(value) + "\t" + json.dumps(value, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
