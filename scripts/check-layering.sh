#!/usr/bin/env bash
# Core and protocol modules do no I/O (the layering rule in Protocols.md §1.1): they may import NIOCore
# (ByteBuffer and the event-loop types the connection seam runs on), never the network stack
# (NIOPosix, NIOHTTP1, NIOWebSocket, NIOSSL, Hummingbird, WSCore, WSClient, compression).
# Only SwitchboardWebSocket, SwitchboardTesting (its in-memory transport runs on a real
# event loop) and the executables touch it.
set -euo pipefail
cd "$(dirname "$0")/.."
# SwitchboardAuth (JWT verification, issue 16) does no I/O either: it reads key files once at start.
modules=(MsgPack SwitchboardCore WSLink CrossComm Siyi SwitchboardAuth)
pattern='^[[:space:]]*(@[A-Za-z_()]+[[:space:]]+)*((public|package|internal|private|fileprivate)[[:space:]]+)?import[[:space:]]+(class |struct |enum |protocol |func |var |let )?(NIO[A-Za-z]*|Hummingbird[A-Za-z]*|WSCore|WSClient|WSCompression|CompressNIO)\b'
violations=$(for module in "${modules[@]}"; do
  [ -d "Sources/$module" ] && grep -rnE "$pattern" "Sources/$module" | grep -vE 'import[[:space:]]+NIOCore[[:space:]]*$' || true
done)
if [ -n "$violations" ]; then
  echo "layering: the network stack is imported outside the transport module:" >&2
  echo "$violations" >&2
  echo "layering: 0 passed, 1 failed"
  exit 1
fi
# jwt-kit (and the certificate code under it) stays in SwitchboardAuth: the protocols see only
# Core's TokenVerifier seam. swift-crypto's plain hashes (no I/O) may also serve CrossComm's
# file store (OSS V1 signatures, HMAC-SHA1), and nothing else.
jwt_pattern='^[[:space:]]*(@[A-Za-z_()]+[[:space:]]+)*((public|package|internal|private|fileprivate)[[:space:]]+)?import[[:space:]]+(JWTKit|Crypto|CryptoExtras|_CryptoExtras|X509)\b'
jwt_violations=$(grep -rnE "$jwt_pattern" Sources --include='*.swift' | grep -v '^Sources/SwitchboardAuth/' \
  | grep -vE '^Sources/CrossComm/[^:]+:[0-9]+:[[:space:]]*import[[:space:]]+Crypto$' || true)
if [ -n "$jwt_violations" ]; then
  echo "layering: jwt-kit or its crypto is imported outside SwitchboardAuth:" >&2
  echo "$jwt_violations" >&2
  echo "layering: 0 passed, 1 failed"
  exit 1
fi
echo "layering: ${#modules[@]} modules import no network stack (NIOCore only); jwt-kit only in SwitchboardAuth, swift-crypto only there and in CrossComm's file store"
