import NIOCore

/// Unmasks client frames eight bytes at a time.
///
/// NIO unmasks byte by byte (`ByteBuffer.webSocketMask`) on `unmaskedData`, after a
/// copy-on-write copy of the read buffer; at 16 KiB messages that was 30% of the server's CPU
/// per message (Benchmarks/PROFILE.md). ``WebSocketEngine`` unmasks with this instead: the
/// payload is written into a fresh buffer in one pass.
enum WebSocketUnmasker {
    /// `data` XOR the repeating 4-byte `key` (its four bytes on the wire, read big-endian, as
    /// ``WebSocketFrameParser`` reads them), starting at key byte 0 (RFC 6455 §5.3).
    static func unmasked(_ data: ByteBuffer, key: UInt32, allocator: ByteBufferAllocator) -> ByteBuffer {
        let count = data.readableBytes
        guard count > 0 else { return data }
        // The key's bytes in memory order, twice: XOR-ing a little- or big-endian word with it
        // masks the bytes in place order either way.
        let keyBytes = key.bigEndian
        var pattern: UInt64 = 0
        withUnsafeMutableBytes(of: &pattern) { bytes in
            withUnsafeBytes(of: keyBytes) { key in
                for index in 0..<8 { bytes[index] = key[index % 4] }
            }
        }
        var output = allocator.buffer(capacity: count)
        data.withUnsafeReadableBytes { source in
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
                var index = 0
                while index + 8 <= count {
                    let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    destination.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
                    index += 8
                }
                withUnsafeBytes(of: pattern) { pattern in
                    while index < count {
                        destination[index] = source[index] ^ pattern[index % 4]
                        index += 1
                    }
                }
                return count
            }
        }
        return output
    }
}
