import NIOCore
import NIOEmbedded
import NIOWebSocket
@testable import SwitchboardWebSocket
import Testing

/// The engine's frame parser against NIO's encoder: the same frames come back whichever way
/// the bytes are split into reads, and NIO's decoder's limits hold before a payload arrives.
@Suite struct WebSocketFrameParserTests {
    /// A client frame as NIO's encoder writes it (masked when `key` is set).
    private static func encoded(_ frame: WebSocketFrame) throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(frame)
        var bytes = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&part) }
        return bytes
    }

    private static let frames: [WebSocketFrame] = {
        let key: WebSocketMaskingKey = [0x37, 0xfa, 0x21, 0x3d]
        return [0, 1, 125, 126, 127, 65_535, 65_536, 70_001].enumerated().map { index, length in
            var data = ByteBuffer()
            data.writeBytes((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) })
            return WebSocketFrame(fin: index % 3 != 1, rsv1: index == 2, opcode: index.isMultiple(of: 2) ? .binary : .text, maskKey: index == 5 ? nil : key, data: data)
        } + [WebSocketFrame(fin: true, opcode: .ping, maskKey: key, data: ByteBuffer(string: "ping")), WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: key, data: ByteBuffer(bytes: [3, 232]))]
    }()

    @Test(arguments: [1, 2, 3, 7, 14, 1_000, 1 << 20])
    func framesSurviveAnySplit(readSize: Int) throws {
        var stream = ByteBuffer()
        for frame in Self.frames {
            var bytes = try Self.encoded(frame)
            stream.writeBuffer(&bytes)
        }
        var parser = WebSocketFrameParser(maxFrameSize: 1 << 20)
        var parsed: [WebSocketFrameParser.Frame] = []
        while stream.readableBytes > 0 {
            parser.append(stream.readSlice(length: min(readSize, stream.readableBytes))!)
            while let frame = try parser.next() { parsed.append(frame) }
        }
        try #require(parsed.count == Self.frames.count)
        for (frame, original) in zip(parsed, Self.frames) {
            #expect(frame.fin == original.fin && frame.rsv1 == original.rsv1 && !frame.rsv2 && !frame.rsv3)
            #expect(frame.opcode == original.opcode)
            let data = frame.maskKey.map { WebSocketUnmasker.unmasked(frame.data, key: $0, allocator: ByteBufferAllocator()) } ?? frame.data
            #expect(data == original.data)
        }
    }

    @Test func limitsAreCheckedOnTheHeader() throws {
        let cases: [([UInt8], NIOWebSocketError)] = [
            ([0x82, 0x7e, 0x04, 0x01], .invalidFrameLength),  // 1025 bytes announced, limit 1024
            ([0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0], .invalidFrameLength),  // beyond Int.max
            ([0x09, 0x80], .fragmentedControlFrame),  // ping without FIN
            ([0x89, 0x7e, 0x00, 0x7e], .multiByteControlFrameLength),  // 126-byte ping
        ]
        for (header, expected) in cases {
            var parser = WebSocketFrameParser(maxFrameSize: 1_024)
            parser.append(ByteBuffer(bytes: header))
            #expect(throws: expected) { try parser.next() }
        }
        var parser = WebSocketFrameParser(maxFrameSize: 1_024)
        parser.append(ByteBuffer(bytes: [0x82, 0x7e, 0x04, 0x00]))  // exactly the limit: waits for data
        #expect(try parser.next() == nil)
    }
}
