import NIOCore
import NIOWebSocket

/// Writes server frames (unmasked, RFC 6455 §5.2) as bytes, for ``WebSocketEngine``.
///
/// NIO's `WebSocketFrameEncoder` stays in the pipeline (the upgrader adds it and it cannot be
/// removed), but the engine writes through the encoder's own context, so its frames go
/// straight to the handler before it (the socket, or TLS): per message that saves a pipeline
/// step, a type-erased `WebSocketFrame` wrap and unwrap, and, for a small message, the
/// separate header buffer — header and payload leave as one buffer, one `iovec`.
struct WebSocketFrameWriter {
    /// At most this many payload bytes are copied behind the header; larger payloads are
    /// written as they are, after a header buffer of their own (no copy of the payload).
    static let coalescingLimit = 1024

    /// Where frames are written: the encoder's context (skipping it), else the engine's own.
    let output: ChannelHandlerContext

    /// Finds the encoder the upgrader added in front of `context`'s handler.
    init(engineContext context: ChannelHandlerContext) {
        output = (try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)) ?? context
    }

    /// Writes one final frame; `promise` completes when its last byte is written.
    func write(_ opcode: WebSocketOpcode, rsv1: Bool = false, data: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        let length = data.readableBytes
        let headerLength = length < 126 ? 2 : length <= Int(UInt16.max) ? 4 : 10
        let coalesce = length <= Self.coalescingLimit
        var header = output.channel.allocator.buffer(capacity: headerLength + (coalesce ? length : 0))
        header.writeInteger(0x80 | (rsv1 ? 0x40 : 0) | UInt8(webSocketOpcode: opcode))
        switch headerLength {
        case 2: header.writeInteger(UInt8(length))
        case 4:
            header.writeInteger(UInt8(126))
            header.writeInteger(UInt16(length))
        default:
            header.writeInteger(UInt8(127))
            header.writeInteger(UInt64(length))
        }
        if coalesce {
            var payload = data
            header.writeBuffer(&payload)
            output.write(NIOAny(header), promise: promise)
        } else {
            output.write(NIOAny(header), promise: nil)
            output.write(NIOAny(data), promise: promise)
        }
    }

    /// Writes a final frame and flushes; the future completes when it is written.
    func writeAndFlush(_ opcode: WebSocketOpcode, data: ByteBuffer) -> EventLoopFuture<Void> {
        let promise = output.eventLoop.makePromise(of: Void.self)
        write(opcode, data: data, promise: promise)
        output.flush()
        return promise.futureResult
    }

    func flush() {
        output.flush()
    }
}
