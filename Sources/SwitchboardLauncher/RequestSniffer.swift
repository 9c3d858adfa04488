import NIOCore
import NIOHTTP1
import NIOPosix
import Logging
import SwitchboardCore

/// First handler of every launcher connection: reads the request head and decides what the
/// connection is. `/proxy?sessionId=…` connections are joined byte for byte to the session's
/// server (WebSocket or HTTP) after the request line is rewritten; every other connection gets
/// the HTTP/1.1 pipeline and `LauncherHTTPHandler`.
final class RequestSniffer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Largest request head accepted (431 beyond).
    static let maxHeadSize = 16 << 10
    /// Time a connection has to send its request head before it is closed.
    static let headTimeout = TimeAmount.seconds(30)

    private enum State {
        case readingHead(ByteBuffer)
        case connecting([ByteBuffer])
        case passThrough
        case closed
    }

    private var state: State = .readingHead(ByteBuffer())
    private let launcher: SessionLauncher
    private let content: StaticFiles?
    private let access: LauncherAccess
    private let logger: Logger

    init(launcher: SessionLauncher, content: StaticFiles?, access: LauncherAccess, logger: Logger) {
        self.launcher = launcher
        self.content = content
        self.access = access
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.headTimeout) {
            let (handler, context) = loopBound.value
            if case .readingHead = handler.state {
                handler.state = .closed
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .passThrough:
            context.fireChannelRead(data)
        case .closed:
            return
        case .connecting(var pending):
            pending.append(bytes)
            state = .connecting(pending)
        case .readingHead(var head):
            head.writeBuffer(&bytes)
            let readable = head.readableBytesView
            guard let end = Self.headEnd(readable) else {
                if head.readableBytes > Self.maxHeadSize {
                    respond(context: context, status: .requestHeaderFieldsTooLarge, message: "Request head too large")
                } else {
                    state = .readingHead(head)
                }
                return
            }
            let headText = String(decoding: readable.prefix(end), as: UTF8.self)
            let firstLine = headText.prefix { $0 != "\r" && $0 != "\n" }
            let target = firstLine.split(separator: " ").dropFirst().first ?? ""
            if ProxyRequestHead.isProxyTarget(target) {
                head.moveReaderIndex(forwardBy: end)
                startProxy(context: context, head: headText, rest: head)
            } else {
                state = .passThrough
                do {
                    try context.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try context.pipeline.syncOperations.addHandler(LauncherHTTPHandler(launcher: launcher, content: content, access: access, logger: logger))
                } catch {
                    context.close(promise: nil)
                    return
                }
                context.fireChannelRead(wrapInboundOut(head))
            }
        }
    }

    private func startProxy(context: ChannelHandlerContext, head: String, rest: ByteBuffer) {
        guard let request = ProxyRequestHead(parsing: head), let id = request.sessionID, !id.isEmpty else {
            respond(context: context, status: .badRequest, message: "Proxy requests need sessionId and path: /proxy?sessionId=<id>&path=ws")
            return
        }
        guard let target = launcher.directory.lookup(id) else {
            respond(context: context, status: .notFound, message: "No session with id: \(id)")
            return
        }
        state = .connecting([rest])
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(10))
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                let (handler, context) = loopBound.value
                handler.connected(context: context, result: result, head: request.rewritten())
            }
    }

    private func connected(context: ChannelHandlerContext, result: Result<any Channel, any Error>, head: String) {
        guard case .connecting(let pending) = state else {
            if case .success(let peer) = result { peer.close(promise: nil) }
            return
        }
        switch result {
        case .failure:
            respond(context: context, status: .badGateway, message: "The session's server did not accept the connection")
        case .success(let peer):
            let (local, remote) = GlueHandler.matchedPair()
            do {
                try context.pipeline.syncOperations.addHandler(local)
                try peer.pipeline.syncOperations.addHandler(remote)
            } catch {
                peer.close(promise: nil)
                context.close(promise: nil)
                return
            }
            state = .passThrough
            peer.write(ByteBuffer(string: head), promise: nil)
            for buffer in pending where buffer.readableBytes > 0 {
                peer.write(buffer, promise: nil)
            }
            peer.flush()
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        context.fireChannelInactive()
    }

    /// A complete response written before any HTTP handler exists; closes the connection.
    private func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, message: String) {
        state = .closed
        let body = JSONValue.object([.init(key: "error", value: .string(message))]).encoded()
        let text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        context.writeAndFlush(NIOAny(ByteBuffer(string: text))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Offset just past the blank line ending the head, if it has arrived.
    private static func headEnd(_ bytes: ByteBufferView) -> Int? {
        let array = Array(bytes.prefix(maxHeadSize + 4))
        guard array.count >= 4 else { return nil }
        for index in 0...(array.count - 4)
        where array[index] == 13 && array[index + 1] == 10 && array[index + 2] == 13 && array[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
