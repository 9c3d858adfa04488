import NIOCore
import NIOWebSocket

/// Splits a client's bytes into WebSocket frames (RFC 6455 §5.2), for ``WebSocketEngine``.
///
/// It replaces NIO's `ByteToMessageHandler(WebSocketFrameDecoder)`, which the upgrader adds and
/// the engine goes in front of (and then removes): that generic handler is not specialised for our use (metadata lookups
/// and type-erased casts per frame) and cost one pipeline step and a `WebSocketFrame`
/// allocation per message. The checks are NIO's: a frame over `maxFrameSize` is
/// ``NIOWebSocketError/invalidFrameLength`` (answered 1009), a fragmented or long control frame
/// the other two (1002). A header is judged as soon as it is complete, before its payload.
struct WebSocketFrameParser {
    /// One frame as it arrived; `data` is still masked when `maskKey` is set.
    struct Frame {
        var fin: Bool
        var rsv1: Bool
        var rsv2: Bool
        var rsv3: Bool
        var opcode: WebSocketOpcode
        /// The masking key's four bytes as on the wire, read big-endian.
        var maskKey: UInt32?
        var data: ByteBuffer

        init(firstByte: UInt8, maskKey: UInt32?, data: ByteBuffer) {
            fin = firstByte & 0x80 != 0
            rsv1 = firstByte & 0x40 != 0
            rsv2 = firstByte & 0x20 != 0
            rsv3 = firstByte & 0x10 != 0
            // Every 4-bit value is an opcode NIO can hold; reserved ones are the engine's to refuse.
            opcode = WebSocketOpcode(encodedWebSocketOpcode: firstByte & 0x0f)!
            self.maskKey = maskKey
            self.data = data
        }
    }

    let maxFrameSize: Int
    /// Bytes read but not yet part of a whole frame.
    private var pending: ByteBuffer?

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Takes bytes read from the socket (kept without a copy when nothing is pending).
    mutating func append(_ bytes: ByteBuffer) {
        guard var buffer = pending else {
            pending = bytes
            return
        }
        pending = nil
        var bytes = bytes
        if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
        buffer.writeBuffer(&bytes)
        pending = buffer
    }

    /// The next whole frame, or `nil` until more bytes arrive.
    mutating func next() throws(NIOWebSocketError) -> Frame? {
        guard var buffer = pending else { return nil }
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        var headerLength = 2
        var length = Int(second & 0x7f)
        if length == 126 {
            guard let word = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(word)
            headerLength = 4
        } else if length == 127 {
            guard let word = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard word <= UInt64(Int.max) else { throw .invalidFrameLength }
            length = Int(word)
            headerLength = 10
        }
        if length > maxFrameSize { throw .invalidFrameLength }
        let isControl = first & 0x08 != 0
        if isControl && first & 0x80 == 0 { throw .fragmentedControlFrame }
        if isControl && length > 125 { throw .multiByteControlFrameLength }
        var maskKey: UInt32?
        if second & 0x80 != 0 {
            guard let key = buffer.getInteger(at: start + headerLength, as: UInt32.self) else { return nil }
            maskKey = key
            headerLength += 4
        }
        guard buffer.readableBytes >= headerLength + length else { return nil }
        pending = nil
        buffer.moveReaderIndex(forwardBy: headerLength)
        let data = buffer.readSlice(length: length)!
        pending = buffer.readableBytes > 0 ? buffer : nil
        return Frame(firstByte: first, maskKey: maskKey, data: data)
    }
}
