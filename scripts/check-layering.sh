#!/usr/bin/env bash
# Core and protocol modules must not import NIO or Hummingbird (the layering rule): only
# SwitchboardWebSocket and the executables touch the network stack.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(MsgPack SwitchboardCore WSLink CrossComm Siyi SwitchboardTesting)
pattern='^[[:space:]]*(@[A-Za-z_()]+[[:space:]]+)*((public|package|internal|private|fileprivate)[[:space:]]+)?import[[:space:]]+(class |struct |enum |protocol |func |var |let )?(NIO[A-Za-z]*|Hummingbird[A-Za-z]*|WSCore|WSClient|WSCompression|CompressNIO)\b'
violations=$(for module in "${modules[@]}"; do
  [ -d "Sources/$module" ] && grep -rnE "$pattern" "Sources/$module" || true
done)
if [ -n "$violations" ]; then
  echo "layering: NIO/Hummingbird imported outside the transport module:" >&2
  echo "$violations" >&2
  echo "layering: 0 passed, 1 failed"
  exit 1
fi
echo "layering: ${#modules[@]} modules free of NIO/Hummingbird imports"
