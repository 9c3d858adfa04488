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
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
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
    /// Decides an upgrade (nil refuses it with 400); runs on the connection's loop.
    let decide: @Sendable (HTTPRequest, any Channel) -> Upgrade?
    let settings: WebSocketEngine.Settings

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgradeAttempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let accepted = NIOLockedValueBox<Upgrade?>(nil)
            let settings = self.settings
            let decide = self.decide
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: maxFrameSize,
                enableAutomaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    upgradeAttempted.value = true
                    guard let request = try? HTTPRequest(head, secure: false, splitCookie: false),
                          let upgrade = decide(request, channel)
                    else { return channel.eventLoop.makeSucceededFuture(nil) }
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
                        try channel.pipeline.syncOperations.addHandler(WebSocketEngine(info: upgrade.info, deflate: deflate, settings: settings))
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
                        return upgradeAttempted.value ? .failedUpgrade(asyncChannel) : .notUpgraded(asyncChannel)
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
            case .failedUpgrade(let http):
                await refuseUpgrade(http, logger: logger)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("connection closed before its first request")
        } catch {
            logger.debug("upgrade failed", metadata: ["error": "\(error)"])
        }
    }

    /// 400 with `Connection: close`, as hummingbird-websocket answers a refused upgrade.
    private func refuseUpgrade(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("cannot answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }
}
