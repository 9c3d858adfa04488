import NIOCore
import NIOWebSocket
@testable import SwitchboardWebSocket
import Testing

@Suite struct WebSocketUnmaskerTests {
    private let keys: [WebSocketMaskingKey] = [[0, 0, 0, 0], [0x37, 0xfa, 0x21, 0x3d], [0xff, 0x01, 0x80, 0x7f]]

    /// Word-wise unmasking equals NIO's byte-wise operation at every length around the
    /// 8-byte word boundary and for a large payload, also from a non-zero reader index.
    @Test func matchesNIOsByteWiseUnmasking() {
        let allocator = ByteBufferAllocator()
        for key in keys {
            for length in Array(0...40) + [16_384, 16_387] {
                var buffer = allocator.buffer(capacity: length + 3)
                buffer.writeBytes([9, 9, 9])
                buffer.writeBytes((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
                buffer.moveReaderIndex(forwardBy: 3)
                var expected = buffer
                expected.webSocketUnmask(key)
                let wireKey = UInt32(key[0]) << 24 | UInt32(key[1]) << 16 | UInt32(key[2]) << 8 | UInt32(key[3])
                let unmasked = WebSocketUnmasker.unmasked(buffer, key: wireKey, allocator: allocator)
                #expect(Array(unmasked.readableBytesView) == Array(expected.readableBytesView), "length \(length)")
            }
        }
    }
}
