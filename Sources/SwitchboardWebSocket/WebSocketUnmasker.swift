import NIOCore
import NIOWebSocket

/// Unmasks client frames eight bytes at a time, right behind NIO's frame decoder.
///
/// NIO unmasks byte by byte (`ByteBuffer.webSocketMask`) when WSCore asks for a frame's
/// `unmaskedData`, after a copy-on-write copy of the read buffer; at 16 KiB messages that
/// was 30% of the server's CPU per message (Benchmarks/PROFILE.md). This handler writes
/// the unmasked payload into a fresh buffer in one pass and clears the mask key, so
/// `unmaskedData` downstream returns the payload as it is. Frames without a mask key, or
/// with extension data (never produced by the decoder), pass through untouched; the bytes
/// every later handler sees are the same either way.
final class WebSocketUnmasker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = Self.unwrapInboundIn(data)
        if let key = frame.maskKey, frame.extensionData == nil {
            frame.data = Self.unmasked(frame.data, key: key, allocator: context.channel.allocator)
            frame.maskKey = nil
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
    }

    /// `data` XOR the repeating 4-byte `key`, starting at key byte 0 (RFC 6455 §5.3).
    static func unmasked(_ data: ByteBuffer, key: WebSocketMaskingKey, allocator: ByteBufferAllocator) -> ByteBuffer {
        let count = data.readableBytes
        guard count > 0 else { return data }
        var pattern: UInt64 = 0
        withUnsafeMutableBytes(of: &pattern) { bytes in
            for index in 0..<8 { bytes[index] = key[index % 4] }
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
                while index < count {
                    destination[index] = source[index] ^ key[index % 4]
                    index += 1
                }
                return count
            }
        }
        return output
    }

    /// Puts an unmasker right after the connection's frame decoder. Without a decoder of the
    /// expected type nothing changes (frames are then unmasked by NIO, as before).
    static func install(on channel: any Channel) async {
        try? await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try operations.addHandler(WebSocketUnmasker(), position: .after(decoder))
        }.get()
    }
}
