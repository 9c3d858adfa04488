import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
public import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
@_spi(TestKit) import ServiceLifecycle
public import SwitchboardCore
import Synchronization
import WSCompression
import WSCore

/// The WebSocket server transport: Hummingbird + hummingbird-websocket behind the core's
/// ``ServerTransport``. One or more listeners, each mapping paths to adapters, optional static
/// content and TLS, permessage-deflate, ping/pong with dead-peer close, graceful shutdown.
///
/// ```swift
/// let transport = WebSocketServerTransport(
///     configuration: .init(listeners: [.init(name: "main", port: 8080, routes: [.init("/ws", adapter: "wslink")])]),
///     logger: logger
/// )
/// let server = SwitchboardServer(transport: transport, adapters: [wslink], logger: logger)
/// ```
///
/// Graceful shutdown: new upgrades are refused (HTTP 400, as any refused upgrade) at once; connections get
/// ``Configuration/shutdownDrainTimeout`` to finish (the server closes its sessions with 1001
/// after flushing them); any still open are then closed with 1001, and the listeners stop.
public final class WebSocketServerTransport: ServerTransport {
    private struct State {
        var bound: [BoundListener] = []
        var failure: (any Error)?
        var live: [ConnectionID: WebSocketConnection.Writer] = [:]
        var draining = false
    }

    /// The configuration in force.
    public let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())
    private let changes = ChangeNotifier()
    private let nextConnectionID = Atomic<UInt64>(0)

    /// Creates a transport; nothing is bound until ``listen(_:)`` runs.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Waits until every listener is bound and returns them with their real ports; throws if
    /// binding failed.
    public func boundListeners() async throws -> [BoundListener] {
        let expected = configuration.listeners.count
        await changes.wait { state.withLock { $0.failure != nil || $0.bound.count == expected } }
        let (bound, failure) = state.withLock { ($0.bound, $0.failure) }
        if let failure { throw failure }
        try Task.checkCancellation()
        // In configuration order, whatever order the sockets came up in.
        let order = configuration.listeners.map(\.name)
        return bound.sorted { (order.firstIndex(of: $0.name) ?? 0) < (order.firstIndex(of: $1.name) ?? 0) }
    }

    /// Number of open WebSocket connections.
    public var connectionCount: Int { state.withLock { $0.live.count } }

    /// Binds every listener and serves until graceful shutdown or cancellation.
    public func listen(_ handler: @escaping @Sendable (Connection) async -> Void) async throws {
        // Hummingbird answers graceful shutdown by closing WebSockets with 1000 at once; the
        // contract is 1001 after a drain, so its servers run under a shutdown manager of ours
        // that is triggered only when the drain is over.
        let listenersShutdown = GracefulShutdownManager()
        do {
            let applications = try configuration.listeners.map { try makeApplication($0, handler: handler) }
            try await withThrowingTaskGroup(of: ChildEnded.self) { group in
                for application in applications {
                    group.addTask {
                        try await TaskLocals.$gracefulShutdownManager.withValue(listenersShutdown) {
                            try await application.run()
                        }
                        return .listener
                    }
                }
                group.addTask {
                    // Waits for the surrounding service's graceful shutdown; cancellation ends it.
                    guard (try? await gracefulShutdown()) != nil else { return .shutdownSequence }
                    await self.drainAndStop(listenersShutdown)
                    return .shutdownSequence
                }
                // After a graceful drain the listeners stop by themselves; a listener that ends
                // (or fails) first takes the others down with it.
                if try await group.next() == .listener {
                    listenersShutdown.shutdownGracefully()
                    group.cancelAll()
                }
                while try await group.next() != nil {}
            }
        } catch {
            fail(error)
            throw error
        }
    }

    private enum ChildEnded { case listener, shutdownSequence }

    private func drainAndStop(_ listenersShutdown: GracefulShutdownManager) async {
        state.withLock { $0.draining = true }
        logger.info("draining connections", metadata: ["connections.open": "\(connectionCount)"])
        _ = try? await withTimeout(configuration.shutdownDrainTimeout) { await self.waitUntilDrained() }
        let remaining = state.withLock { Array($0.live.values) }
        await withDiscardingTaskGroup { group in
            for writer in remaining {
                group.addTask { await writer.close(code: .goingAway, reason: "server shutting down") }
            }
        }
        _ = try? await withTimeout(configuration.closeTimeout) { await self.waitUntilDrained() }
        listenersShutdown.shutdownGracefully()
    }

    private func waitUntilDrained() async {
        await changes.wait { state.withLock { $0.live.isEmpty } }
    }

    private func fail(_ error: any Error) {
        state.withLock { state in
            if state.failure == nil { state.failure = error }
        }
        changes.notify()
    }

    private func didBind(_ listener: WebSocketListener, port: Int) {
        let bound = BoundListener(
            name: listener.name,
            host: listener.host,
            port: port,
            isSecure: listener.tls != nil,
            routes: listener.routes,
            servesContent: listener.contentDirectory != nil
        )
        state.withLock { $0.bound.append(bound) }
        changes.notify()
    }

    private func register(_ id: ConnectionID, _ writer: WebSocketConnection.Writer) -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.live[id] = writer
            return true
        }
    }

    private func unregister(_ id: ConnectionID) {
        state.withLock { $0.live[id] = nil }
        changes.notify()
    }

    private var isDraining: Bool { state.withLock { $0.draining } }

    private func makeApplication(
        _ listener: WebSocketListener,
        handler: @escaping @Sendable (Connection) async -> Void
    ) throws -> some ApplicationProtocol {
        let httpRouter = Router(context: SwitchboardRequestContext.self)
        if let content = listener.contentDirectory {
            httpRouter.middlewares.add(PathTraversalGuard())
            httpRouter.middlewares.add(FileMiddleware(content, searchForIndexHtml: true, logger: logger))
        }
        for endpoint in listener.httpEndpoints { endpoint.mount(on: httpRouter) }
        for route in listener.routes {
            let paths: [RouterPath] = route.matchesAnyPath ? ["/", "**"] : [RouterPath(route.pathPattern)]
            for path in paths {
                httpRouter.get(path) { request, _ in UpgradeRequired.response(path: request.uri.path) }
            }
        }
        // Upgrades are routed by `upgradeDecision` rather than through a Hummingbird `ws` router:
        // that router parks the handler with a copy of its request context inside a box the
        // context itself holds, a cycle that kept ≈ 1 KiB of every closed connection (found by
        // the soak run, ROBUSTNESS.md). Deciding synchronously also spares a task per upgrade.
        var server = HTTPServerBuilder { responder in
            self.connectionChannel(for: listener, responder: responder, handler: handler)
        }
        if let tls = listener.tls {
            server = try .tls(server, tlsConfiguration: Self.tlsConfiguration(tls))
        }
        var httpLogger = logger
        httpLogger[metadataKey: "listener.name"] = "\(listener.name)"
        return Application(
            router: httpRouter,
            server: server,
            configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: "Switchboard"),
            onServerRunning: { channel in
                self.didBind(listener, port: channel.localAddress?.port ?? listener.port)
            },
            logger: httpLogger
        )
    }

    /// What every accepted connection on `listener` runs (TLS, when configured, wraps it):
    /// HTTP/1 with the WebSocket upgrader, upgrades decided by ``upgradeDecision``.
    func connectionChannel(
        for listener: WebSocketListener,
        responder: @escaping HTTPChannelHandler.Responder,
        handler: @escaping @Sendable (Connection) async -> Void
    ) -> HTTP1WebSocketUpgradeChannel {
        HTTP1WebSocketUpgradeChannel(
            responder: responder,
            configuration: .init(ws: webSocketConfiguration),
            shouldUpgrade: { head, channel, _ in self.upgradeDecision(head, channel: channel, listener: listener, handler: handler) }
        )
    }

    /// hummingbird-websocket's settings from ours; its defaults (16 KiB frames, no UTF-8
    /// checks) are never used.
    var webSocketConfiguration: HummingbirdWebSocket.WebSocketServerConfiguration {
        var webSocket = HummingbirdWebSocket.WebSocketServerConfiguration(
            maxFrameSize: configuration.maxMessageSize,
            extensions: configuration.compression ? [BoundedDeflate.factory(maxMessageSize: configuration.maxMessageSize)] : [],
            autoPing: configuration.ping.map { .enabled(timePeriod: $0.interval) } ?? .disabled,
            closeTimeout: configuration.closeTimeout,
            validateUTF8: true
        )
        webSocket.maxFrameSize = configuration.maxMessageSize
        return webSocket
    }

    /// Whether the upgrade request `head` on `listener` becomes a WebSocket, and who serves it.
    func upgradeDecision(
        _ head: HTTPRequest,
        channel: any Channel,
        listener: WebSocketListener,
        handler: @escaping @Sendable (Connection) async -> Void
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard head.isWellFormedWebSocketUpgrade else { return .dontUpgrade }
        let uri = URI(head.path ?? "/")
        guard !isDraining, let route = listener.route(forPath: uri.path) else { return .dontUpgrade }
        let request = UpgradeRequest(uri: uri, headers: head.headerFields)
        // Weak: the handler travels through the channel's own upgrade machinery.
        return .upgrade([:]) { [weak channel] inbound, outbound, _ in
            await self.serve(
                inbound: inbound,
                outbound: outbound,
                request: request,
                channel: channel,
                listener: listener,
                route: route,
                handler: handler
            )
        }
    }

    private func serve(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        request: UpgradeRequest,
        channel: (any Channel)?,
        listener: WebSocketListener,
        route: WebSocketRoute,
        handler: @Sendable (Connection) async -> Void
    ) async {
        let id = ConnectionID(rawValue: nextConnectionID.add(1, ordering: .relaxed).newValue)
        // Without the channel (already gone) NIO's own byte-wise unmasking still applies.
        if let channel { await WebSocketUnmasker.install(on: channel) }
        let uri = request.uri
        var headers = Headers()
        for field in request.headers { headers.append(name: field.name.canonicalName, value: field.value) }
        let info = ConnectionInfo(
            id: id,
            route: Route(listener: listener.name, pathPattern: route.pathPattern, adapter: route.adapter),
            path: uri.path,
            query: uri.query,
            peer: channel?.remoteAddress.map(Self.describe),
            headers: headers,
            isSecure: listener.tls != nil
        )
        var logger = self.logger
        logger[metadataKey: "connection.id"] = "\(id.rawValue)"
        let connection = WebSocketConnection.make(
            info: info,
            inbound: inbound,
            outbound: outbound,
            channel: channel,
            maxMessageSize: configuration.maxMessageSize,
            closeTimeout: configuration.closeTimeout,
            logger: logger
        )
        guard let writer = connection.writer as? WebSocketConnection.Writer, register(id, writer) else {
            await connection.close(code: .goingAway, reason: "server shutting down")
            return
        }
        defer { unregister(id) }
        await handler(connection)
    }

    /// What `serve` needs of the upgrade request, kept instead of the request itself.
    private struct UpgradeRequest: Sendable {
        var uri: URI
        var headers: HTTPFields
    }

    private static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v6: "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        default: "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
    }

    static func tlsConfiguration(_ files: TLSFiles) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw SwitchboardError(
                code: .invalidConfiguration,
                message: "cannot load TLS certificate \(files.certificateChainPath) or key \(files.privateKeyPath)",
                cause: error
            )
        }
    }
}
