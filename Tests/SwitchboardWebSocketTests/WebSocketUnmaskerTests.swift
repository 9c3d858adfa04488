import NIOCore
import NIOEmbedded
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
                let unmasked = WebSocketUnmasker.unmasked(buffer, key: key, allocator: allocator)
                #expect(Array(unmasked.readableBytesView) == Array(expected.readableBytesView), "length \(length)")
            }
        }
    }

    @Test func framesLeaveUnmaskedWithoutAKeyAndUnmaskedFramesPassUntouched() throws {
        let channel = EmbeddedChannel(handler: WebSocketUnmasker())
        let key: WebSocketMaskingKey = [1, 2, 3, 4]
        var masked = channel.allocator.buffer(bytes: Array("hello, switchboard".utf8))
        masked.webSocketMask(key)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: masked))
        let unmasked = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(unmasked.maskKey == nil)
        #expect(unmasked.opcode == .text && unmasked.fin)
        #expect(String(buffer: unmasked.unmaskedData) == "hello, switchboard")

        let plain = WebSocketFrame(fin: false, opcode: .binary, data: channel.allocator.buffer(bytes: [1, 2, 3]))
        try channel.writeInbound(plain)
        #expect(try channel.readInbound(as: WebSocketFrame.self) == plain)
        #expect(try channel.finish().isClean)
    }
}
