import HTTPTypes
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import SwitchboardCore

/// What every accepted connection on a listener runs: HTTP/1 through Hummingbird's responder,
/// and WebSocket upgrades that end in a ``WebSocketEngine`` on the connection's own event loop.
///
/// Mirrors hummingbird-websocket's `HTTP1WebSocketUpgradeChannel` for the HTTP side (same
/// parser settings, 400 for a refused upgrade, Hummingbird's HTTP handling otherwise), but the
/// upgraded pipeline is ours: no `NIOAsyncChannel`, no task per connection — `handle(value:)`
/// returns as soon as the upgrade is done.
struct WebSocketUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    /// The outcome of the first request on a connection.
    enum UpgradeResult: Sendable {
        case webSocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPResponse.Status)
    }

    /// What ``decide`` made of an upgrade request.
    enum Decision: Sendable {
        case accept(Upgrade)
        /// Answered with `status` (400 bad upgrade or no route, 403 origin, 429 rate) and closed.
        case refuse(HTTPResponse.Status)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    /// An accepted upgrade: who serves it and what was negotiated.
    struct Upgrade: Sendable {
        var info: ConnectionInfo
        var deflate: PerMessageDeflate.Agreement?
    }

    let responder: HTTPChannelHandler.Responder
    let maxFrameSize: Int
    let http1: HTTP1Channel.Configuration
    /// Decides an upgrade; runs on the connection's loop.
    let decide: @Sendable (HTTPRequest, any Channel) -> Decision
    let settings: WebSocketEngine.Settings
    /// Admits connections and guards their first request head (``RequestHeadTimeoutHandler``).
    let limiter: ConnectionLimiter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadTimeoutHandler(limiter: limiter, logger: settings.logger))
            // The status a refused upgrade is answered with (nil: no upgrade was attempted).
            let upgradeRefusal = NIOLoopBoundBox<HTTPResponse.Status?>(nil, eventLoop: channel.eventLoop)
            let accepted = NIOLockedValueBox<Upgrade?>(nil)
            let settings = self.settings
            let decide = self.decide
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: maxFrameSize,
                // The engine answers decoder errors itself (WebSocketEngine.errorCaught).
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    upgradeRefusal.value = .badRequest
                    guard let request = try? HTTPRequest(head, secure: false, splitCookie: false) else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let upgrade: Upgrade
                    switch decide(request, channel) {
                    case .accept(let accepted): upgrade = accepted
                    case .refuse(let status):
                        upgradeRefusal.value = status
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    accepted.withLockedValue { $0 = upgrade }
                    var headers = HTTPHeaders()
                    if let deflate = upgrade.deflate { headers.add(name: "Sec-WebSocket-Extensions", value: deflate.responseHeader) }
                    return channel.eventLoop.makeSucceededFuture(headers)
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let upgrade = accepted.withLockedValue({ $0 }) else {
                            preconditionFailure("upgrade pipeline set up without an accepted upgrade")
                        }
                        let deflate = try upgrade.deflate.map { try PerMessageDeflate($0, maxMessageSize: settings.maxMessageSize) }
                        // In front of NIO's frame decoder: the engine parses frames from the bytes.
                        let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                        try channel.pipeline.syncOperations.addHandler(
                            WebSocketEngine(info: upgrade.info, deflate: deflate, settings: settings), position: .before(decoder)
                        )
                        return UpgradeResult.webSocket
                    }
                }
            )
            let http1 = self.http1
            let serverUpgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return upgradeRefusal.value.map { .failedUpgrade(asyncChannel, $0) } ?? .notUpgraded(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: serverUpgradeConfiguration)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                // The engine lives in the pipeline now; nothing waits for it.
                return
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .failedUpgrade(let http, let status):
                await refuseUpgrade(http, status: status, logger: logger)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("connection closed before its first request")
        } catch {
            logger.debug("upgrade failed", metadata: ["error": "\(error)"])
        }
    }

    /// `status` (400, as hummingbird-websocket answers a refused upgrade, or 403/429) with
    /// `Connection: close`.
    private func refuseUpgrade(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, status: HTTPResponse.Status, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                var head = HTTPResponse(status: status, headerFields: [.connection: "close", .contentLength: "0"])
                if status == .tooManyRequests { head.headerFields[.retryAfter] = "1" }
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("cannot answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }
}
