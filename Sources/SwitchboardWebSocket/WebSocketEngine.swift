import Logging
import NIOCore
import NIOWebSocket
import SwitchboardCore
import Synchronization

/// One upgraded server connection, driven entirely on its channel's event loop: frames are
/// parsed (``WebSocketFrameParser``), unmasked, inflated and assembled into messages here and handed to the connection's
/// ``ConnectionContext`` synchronously; replies are written at once and flushed once per read
/// burst. Control frames (ping, pong, close) never leave this handler.
///
/// This is the whole per-connection cost of an idle WebSocket: this handler, the context and
/// the protocol's handler — no task, no stream, and at most one scheduled timer.
final class WebSocketEngine: ChannelDuplexHandler, ConnectionIO {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = WebSocketFrame
    /// Frames leave as bytes, through ``WebSocketFrameWriter`` (past NIO's frame encoder).
    typealias OutboundOut = ByteBuffer

    /// What every connection of a listener shares.
    struct Settings: Sendable {
        var maxMessageSize: Int
        var ping: HeartbeatPolicy?
        var acceptor: ConnectionAcceptor
        var registry: LiveConnections
        var logger: Logger
    }

    private let info: ConnectionInfo
    private let settings: Settings
    private var deflate: PerMessageDeflate?
    private var channelContext: ChannelHandlerContext?
    private var writer: WebSocketFrameWriter?
    private var connection: ConnectionContext?
    private var parser: WebSocketFrameParser
    private var assembler: WebSocketMessageAssembler
    private var inflatingMessage = false
    private var closeSent = false
    private var closeReceived = false
    private var readPending = false
    /// The peer broke the protocol: nothing more it sends is read but its close frame.
    private var failed = false
    private var controlFlushPending = false
    private var outstandingPing: ByteBuffer?
    private var logger: Logger

    /// Engines alive in this process (a test checks that closed connections release theirs).
    static let instances = Atomic<Int>(0)

    init(info: ConnectionInfo, deflate: PerMessageDeflate?, settings: Settings) {
        Self.instances.add(1, ordering: .relaxed)
        self.info = info
        self.deflate = deflate
        self.settings = settings
        self.parser = WebSocketFrameParser(maxFrameSize: settings.maxMessageSize)
        self.assembler = WebSocketMessageAssembler(maxMessageSize: settings.maxMessageSize)
        var logger = settings.logger
        logger[metadataKey: "connection.id"] = "\(info.id.rawValue)"
        self.logger = logger
    }

    deinit {
        Self.instances.subtract(1, ordering: .relaxed)
    }

    // MARK: - ConnectionIO

    /// Set once the handler is added; kept after removal (late async results still hop here).
    private var loop: (any EventLoop)?
    var eventLoop: any EventLoop { loop! }

    var isWritable: Bool { channelContext?.channel.isWritable ?? false }

    func write(_ frame: Frame) {
        guard let writer, !closeSent, !closeReceived else { return }
        let opcode: WebSocketOpcode
        var data: ByteBuffer
        switch frame {
        case .text(let text):
            opcode = .text
            data = writer.output.channel.allocator.buffer(string: text)
        case .binary(let buffer):
            opcode = .binary
            data = buffer
        }
        var rsv1 = false
        if let deflate {
            do {
                if let compressed = try deflate.deflate(data) {
                    data = compressed
                    rsv1 = true
                }
            } catch {
                logger.warning("cannot compress an outbound message; closing", metadata: ["error": "\(error)"])
                connection?.abort(code: .internalError, reason: "compression failed")
                return
            }
        }
        writer.write(opcode, rsv1: rsv1, data: data)
    }

    func flush() {
        writer?.flush()
    }

    func inputMayResume() {
        guard readPending, connection?.acceptsInput ?? true, let channelContext else { return }
        readPending = false
        channelContext.read()
    }

    func sendClose(code: CloseCode, reason: String) {
        guard let channelContext, let writer, !closeSent, !closeReceived else { return }
        closeSent = true
        guard code.isSendable else {
            // 1005/1006/1015 describe a close locally and must never appear on the wire.
            channelContext.close(promise: nil)
            return
        }
        var data = channelContext.channel.allocator.buffer(capacity: 2 + 123)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code.rawValue)))
        data.writeString(WebSocketConnection.Writer.truncated(reason))
        _ = writer.writeAndFlush(.connectionClose, data: data)
    }

    func closeNow() {
        channelContext?.close(promise: nil)
    }

    func transportTimerFired() {
        guard let ping = settings.ping, let channelContext, let writer, !closeSent, !closeReceived else { return }
        if outstandingPing != nil {
            // The last ping went unanswered for a whole interval: the peer is gone.
            logger.info("closing: ping not answered", metadata: ["close.code": "\(CloseCode.goingAway)"])
            failNow(code: .goingAway, reason: "Ping timeout")
            return
        }
        var payload = channelContext.channel.allocator.buffer(capacity: 16)
        payload.writeInteger(UInt64.random(in: .min ... .max))
        payload.writeInteger(UInt64.random(in: .min ... .max))
        outstandingPing = payload
        _ = writer.writeAndFlush(.ping, data: payload)
        connection?.setTransportTimer(at: .now() + TimeAmount(ping.interval))
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        channelContext = context
        writer = WebSocketFrameWriter(engineContext: context)
        // The engine sits in front of NIO's frame decoder and parses frames itself
        // (WebSocketFrameParser): no byte reaches the decoder, which leaves.
        if let decoder = try? context.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<WebSocketFrameDecoder>.self) {
            context.pipeline.syncOperations.removeHandler(context: decoder, promise: nil)
        }
        loop = context.eventLoop
        let connection = settings.acceptor.attach(info, io: self)
        self.connection = connection
        settings.registry.add(info.id, session: connection.session, channel: context.channel)
        if let ping = settings.ping {
            connection.setTransportTimer(at: .now() + TimeAmount(ping.interval))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context references the pipeline, which references this handler: keeping it
        // would keep every closed connection alive (found by the soak run).
        connection?.ioClosed()
        connection = nil
        channelContext = nil
        writer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(Self.unwrapInboundIn(data))
        do {
            while let frame = try parser.next() {
                receive(frame, context: context)
                if channelContext == nil { return }
            }
        } catch {
            refuse(error, context: context)
        }
    }

    private func receive(_ frame: WebSocketFrameParser.Frame, context: ChannelHandlerContext) {
        // After a protocol failure only the peer's close frame still matters.
        guard !failed || frame.opcode == .connectionClose else { return }
        switch frame.opcode {
        case .text, .binary, .continuation:
            receiveData(frame)
        case .ping:
            guard let writer, !closeSent, !closeReceived else { return }
            writer.write(.pong, data: unmasked(frame))
            controlFlushPending = true
        case .pong:
            if let outstandingPing, unmasked(frame) == outstandingPing { self.outstandingPing = nil }
        case .connectionClose:
            receiveClose(frame)
        default:
            fail(code: .protocolError, reason: "reserved opcode \(frame.opcode)")
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection?.readComplete()
        if controlFlushPending {
            controlFlushPending = false
            writer?.flush()
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // Replies owed to this peer exceed the queue's limits: stop reading until they drain,
        // so a client that sends without reading is slowed, not cut off.
        if let connection, !connection.acceptsInput {
            readPending = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        settings.registry.remove(info.id)
        connection?.ioClosed()
        connection = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The listener allows half-closure (for HTTP); a WebSocket peer that shut down its
        // sending side is gone: nothing it could still send would be read.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError { return refuse(error, context: context) }
        logger.debug("connection error; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// A frame that breaks RFC 6455's framing: answered as NIO's WebSocketProtocolErrorHandler
    /// did (1009 for a frame over the limit, else 1002), then the connection is closed.
    private func refuse(_ error: NIOWebSocketError, context: ChannelHandlerContext) {
        failed = true
        guard let writer, !closeSent else { return context.close(promise: nil) }
        closeSent = true
        let code: WebSocketErrorCode = if case .invalidFrameLength = error { .messageTooLarge } else { .protocolError }
        logger.info("closing connection: \(error)", metadata: ["close.code": "\(code)"])
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        writer.writeAndFlush(.connectionClose, data: data).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: - Inbound

    private func receiveData(_ frame: WebSocketFrameParser.Frame) {
        guard let connection, !closeSent, !closeReceived, !connection.isClosing else { return }
        let opcode: WebSocketMessageAssembler.Opcode = switch frame.opcode {
        case .text: .text
        case .binary: .binary
        default: .continuation
        }
        if frame.rsv2 || frame.rsv3 {
            return fail(code: .protocolError, reason: "reserved bits set")
        }
        var data = unmasked(frame)
        if opcode != .continuation {
            guard !frame.rsv1 || deflate != nil else { return fail(code: .protocolError, reason: "RSV1 set without permessage-deflate") }
            inflatingMessage = frame.rsv1
        } else if frame.rsv1 {
            return fail(code: .protocolError, reason: "RSV1 set on a continuation frame")
        }
        if inflatingMessage, let deflate {
            do {
                data = try deflate.inflate(data, fin: frame.fin)
            } catch is PerMessageDeflate.Overflow {
                return fail(code: .messageTooBig, reason: "message exceeds \(settings.maxMessageSize) bytes")
            } catch {
                return fail(code: .protocolError, reason: "invalid compressed data")
            }
        }
        do {
            if let message = try assembler.feed(opcode, fin: frame.fin, data: data) {
                connection.received(message)
            }
        } catch {
            fail(code: error.code, reason: error.reason)
        }
    }

    /// RFC 6455 §5.5.1, answered as WSCore does: 1000 back for a valid code (or none), 1002 for
    /// a reserved or malformed one; the server then closes the TCP connection.
    private func receiveClose(_ frame: WebSocketFrameParser.Frame) {
        guard let channelContext, let writer, !closeReceived else { return }
        closeReceived = true
        if closeSent {
            channelContext.close(promise: nil)
            return
        }
        var data = unmasked(frame)
        let size = data.readableBytes
        let code = data.readWebSocketErrorCode()
        let reasonIsValid = data.readableBytes == 0 || String(validating: data.readableBytesView, as: UTF8.self) != nil
        var answer = WebSocketErrorCode.normalClosure
        if !reasonIsValid || (size > 0 && code == nil) {
            answer = .protocolError
        } else if case .unknown(let number)? = code, number < 3000 || number > 4999 {
            answer = .protocolError
        }
        var reply = channelContext.channel.allocator.buffer(capacity: 2)
        reply.write(webSocketErrorCode: answer)
        closeSent = true
        let closing = writer.writeAndFlush(.connectionClose, data: reply)
        let channel = channelContext.channel
        closing.whenComplete { _ in channel.close(promise: nil) }
    }

    /// Bad input costs only this connection: close with the precise code, logged once. What
    /// was already answered is still delivered before the close frame (RFC 6455 §7.1.7:
    /// earlier messages were valid); nothing the peer sends after it is read.
    private func fail(code: CloseCode, reason: String) {
        guard !failed else { return }
        failed = true
        logger.info("closing connection: \(reason)", metadata: ["close.code": "\(code)"])
        connection?.close(code: code, reason: reason)
    }

    /// Sends a close frame and drops the connection without waiting for the peer's answer.
    private func failNow(code: CloseCode, reason: String) {
        guard let channelContext else { return }
        sendClose(code: code, reason: reason)
        channelContext.close(promise: nil)
    }

    private func unmasked(_ frame: WebSocketFrameParser.Frame) -> ByteBuffer {
        guard let key = frame.maskKey, let channelContext else { return frame.data }
        return WebSocketUnmasker.unmasked(frame.data, key: key, allocator: channelContext.channel.allocator)
    }
}
