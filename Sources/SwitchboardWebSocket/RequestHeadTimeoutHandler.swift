import Logging
import NIOCore

/// The first handler of every accepted connection (behind TLS, when configured): admits the
/// connection under the ``ConnectionLimiter`` and guards its first request head.
///
/// - Over the total or per-address limit: answered `503 Service Unavailable` (`Connection:
///   close`, `Retry-After: 1`) at once; the request head is read and discarded (so the close
///   does not reset the connection before the client reads the answer) for at most
///   ``refusalGrace``, then the connection is closed. Nothing reaches the HTTP pipeline, and a
///   refused connection costs the server a second at most.
/// - The first head must be complete (an empty line after at least one non-empty one) within
///   ``ConnectionLimits/requestHeadTimeout`` of the accept, TLS handshake included: else `408`
///   and close. A head over ``ConnectionLimits/maxRequestHeadBytes``: `431` and close.
/// - After the first head the handler leaves the pipeline (the upgraded WebSocket, or plain
///   HTTP whose later requests the keep-alive idle timeout bounds, see no step of it). The
///   admitted connection is released when the channel closes.
///
/// Only bytes are scanned, so it costs one pass over the head and nothing after it.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Not yet active.
        case idle
        /// Admitted, waiting for the end of the first head.
        case awaitingHead
        /// Refused: discarding the head, then 503.
        case refusing
        /// The first head is complete (or the connection is being closed): pass everything on.
        case passthrough
    }

    /// How long a refused connection is kept to read its request head after the 503.
    static let refusalGrace = Duration.seconds(1)

    private let limiter: ConnectionLimiter
    private let logger: Logger
    private var phase = Phase.idle
    /// The client address the connection was counted under, while it is counted.
    private var admittedAddress: String?
    private var timer: Scheduled<Void>?
    private var scanner = RequestHeadScanner()

    init(limiter: ConnectionLimiter, logger: Logger) {
        self.limiter = limiter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        phase = .passthrough
        if let address = admittedAddress {
            admittedAddress = nil
            limiter.releaseConnection(from: address)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if let address = admittedAddress {
            admittedAddress = nil
            limiter.releaseConnection(from: address)
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard case .idle = phase else { return }
        // Connections without an IP peer (in-process channels, fuzzing) are not network clients.
        guard let address = context.channel.remoteAddress?.ipAddress else {
            phase = .passthrough
            return
        }
        var deadline = limiter.limits.requestHeadTimeout
        if limiter.admitConnection(from: address) {
            admittedAddress = address
            phase = .awaitingHead
        } else {
            phase = .refusing
            deadline = min(deadline, Self.refusalGrace)
            let response = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(deadline)) {
            let (handler, context) = loopBound.value
            handler.headTimedOut(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .passthrough, .idle:
            context.fireChannelRead(data)
        case .awaitingHead, .refusing:
            let buffer = unwrapInboundIn(data)
            let outcome = scanner.scan(buffer.readableBytesView, limit: limiter.limits.maxRequestHeadBytes)
            if case .refusing = phase {
                switch outcome {
                case .incomplete: break
                case .complete, .tooLarge: finish(context: context)
                }
                return
            }
            switch outcome {
            case .incomplete:
                context.fireChannelRead(data)
            case .complete:
                finish(context: context, close: false)
                context.fireChannelRead(data)
                leavePipeline(context: context)
            case .tooLarge:
                limiter.record(.headTooLarge)
                logger.debug("closing: request head too large", metadata: ["limits.max_request_head_bytes": "\(limiter.limits.maxRequestHeadBytes)"])
                answer(context: context, status: "431 Request Header Fields Too Large")
            }
        }
    }

    private func headTimedOut(context: ChannelHandlerContext) {
        timer = nil
        switch phase {
        case .awaitingHead:
            limiter.record(.headTimeout)
            logger.debug("closing: no complete request head in time", metadata: ["limits.request_head_timeout": "\(limiter.limits.requestHeadTimeout)"])
            answer(context: context, status: "408 Request Timeout")
        case .refusing:
            finish(context: context)
        case .idle, .passthrough:
            break
        }
    }

    /// Writes a bodiless response straight to the socket and closes.
    private func answer(context: ChannelHandlerContext, status: String) {
        let response = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        finish(context: context, close: false)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// After the first head this handler would only pass bytes on, one pipeline step per read
    /// for the connection's whole life: it leaves, and the admission is released when the
    /// channel closes.
    private func leavePipeline(context: ChannelHandlerContext) {
        if let address = admittedAddress {
            admittedAddress = nil
            let limiter = limiter
            context.channel.closeFuture.whenComplete { _ in limiter.releaseConnection(from: address) }
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func finish(context: ChannelHandlerContext, close: Bool = true) {
        timer?.cancel()
        timer = nil
        phase = .passthrough
        if close { context.close(promise: nil) }
    }
}

/// Finds the end of an HTTP/1 request head in bytes arriving piecemeal: an empty line (`CRLF
/// CRLF`, or bare `LF`s as lenient parsers accept) after at least one non-empty line; leading
/// empty lines are skipped as RFC 9112 §2.2 allows.
struct RequestHeadScanner {
    enum Outcome: Equatable { case incomplete, complete, tooLarge }

    private var count = 0
    private var sawContent = false
    private var atLineStart = false
    private var afterLineStartCR = false

    mutating func scan(_ bytes: some Collection<UInt8>, limit: Int) -> Outcome {
        for byte in bytes {
            count += 1
            if count > limit { return .tooLarge }
            switch byte {
            case UInt8(ascii: "\n"):
                if sawContent && (atLineStart || afterLineStartCR) { return .complete }
                atLineStart = true
                afterLineStartCR = false
            case UInt8(ascii: "\r"):
                afterLineStartCR = atLineStart
                atLineStart = false
            default:
                sawContent = true
                atLineStart = false
                afterLineStartCR = false
            }
        }
        return .incomplete
    }
}
