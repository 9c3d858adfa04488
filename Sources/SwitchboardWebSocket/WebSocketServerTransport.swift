import Hummingbird
import HummingbirdCore
import HTTPTypes
public import Logging
import NIOCore
import ServiceLifecycle
public import SwitchboardCore
import Synchronization

/// The WebSocket server transport: Hummingbird serves HTTP (static content, endpoints, the
/// upgrade) and every upgraded connection runs on a ``WebSocketEngine`` on its own event loop.
/// One or more listeners, each mapping paths to adapters, optional static content and TLS,
/// permessage-deflate, ping/pong with dead-peer close, graceful shutdown.
///
/// ```swift
/// let transport = WebSocketServerTransport(
///     configuration: .init(listeners: [.init(name: "main", port: 8080, routes: [.init("/ws", adapter: "wslink")])]),
///     logger: logger
/// )
/// let server = SwitchboardServer(transport: transport, adapters: [wslink], logger: logger)
/// ```
///
/// Graceful shutdown: new upgrades are refused (HTTP 400, as any refused upgrade) at once;
/// connections get ``Configuration/shutdownDrainTimeout`` to finish (the server closes its
/// sessions with 1001 after flushing them); any still open are then closed with 1001, and the
/// listeners stop.
public final class WebSocketServerTransport: ServerTransport {
    private struct State {
        var bound: [BoundListener] = []
        var failure: (any Error)?
        /// One reloadable context per certificate/key pair, shared by the listeners using it.
        var tls: [TLSFiles: ReloadableTLSContext] = [:]
    }

    /// The configuration in force.
    public let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())
    private let changes = ChangeNotifier()
    private let live = LiveConnections()
    private let nextConnectionID = Atomic<UInt64>(0)

    /// Creates a transport; nothing is bound until ``listen(_:)`` runs.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Every adapter name the listeners' routes refer to.
    public var routedAdapters: Set<String> {
        Set(configuration.listeners.flatMap { $0.routes.map(\.adapter) })
    }

    /// ``Configuration/shutdownDrainTimeout``.
    public var drainTimeout: Duration { configuration.shutdownDrainTimeout }

    /// ``Configuration/closeTimeout``.
    public var closeTimeout: Duration { configuration.closeTimeout }

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
    public var connectionCount: Int { live.count }

    /// Binds every listener and serves until graceful shutdown or cancellation.
    ///
    /// The listeners run in a service group of their own behind a drain service: on graceful
    /// shutdown the group stops services in reverse order, so the drain runs first (upgrades
    /// refused with 400, connections finishing) and only then do the listeners stop.
    public func listen(_ acceptor: ConnectionAcceptor) async throws {
        do {
            let applications = try configuration.listeners.map { try makeApplication($0, acceptor: acceptor) }
            let services: [any Service] = applications + [Drain(transport: self)]
            let group = ServiceGroup(
                configuration: .init(
                    services: services.map {
                        .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                    },
                    logger: logger
                )
            )
            try await group.run()
        } catch {
            fail(error)
            throw error
        }
    }

    /// Refuses upgrades, lets connections finish within the drain timeout, then closes the rest
    /// with 1001 (bounded by the close timeout) and drops whatever still hangs on.
    private struct Drain: Service {
        let transport: WebSocketServerTransport

        func run() async throws {
            // Waits for graceful shutdown; cancellation (a hard stop) ends it at once.
            guard (try? await gracefulShutdown()) != nil else { return }
            await transport.drain()
        }
    }

    private func drain() async {
        live.beginDraining()
        logger.info("draining connections", metadata: ["connections.open": "\(live.count)"])
        _ = try? await withTimeout(configuration.shutdownDrainTimeout) { await self.live.waitUntilEmpty() }
        live.abortAll(code: .goingAway, reason: "server shutting down")
        _ = try? await withTimeout(configuration.closeTimeout) { await self.live.waitUntilEmpty() }
        live.closeAll()
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

    private func makeApplication(_ listener: WebSocketListener, acceptor: ConnectionAcceptor) throws -> some ApplicationProtocol {
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
        let tls = try listener.tls.map { try tlsContext($0) }
        let server = HTTPServerBuilder { responder in
            let channel = self.connectionChannel(for: listener, responder: responder, acceptor: acceptor)
            guard let tls else { return channel }
            return ReloadableTLSChannel(base: channel, context: tls)
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
            eventLoopGroupProvider: .shared(ServerEventLoops.group),
            logger: httpLogger
        )
    }

    /// What every accepted connection on `listener` runs (TLS, when configured, wraps it):
    /// HTTP/1 with the WebSocket upgrade, upgrades decided by ``upgradeDecision(_:channel:listener:)``.
    func connectionChannel(
        for listener: WebSocketListener,
        responder: @escaping HTTPChannelHandler.Responder,
        acceptor: ConnectionAcceptor
    ) -> WebSocketUpgradeChannel {
        var logger = self.logger
        logger[metadataKey: "listener.name"] = "\(listener.name)"
        return WebSocketUpgradeChannel(
            responder: responder,
            maxFrameSize: configuration.maxMessageSize,
            http1: .init(idleTimeout: TimeAmount(configuration.limiter.limits.keepAliveIdleTimeout)),
            decide: { head, channel in self.upgradeDecision(head, channel: channel, listener: listener) },
            settings: .init(
                maxMessageSize: configuration.maxMessageSize,
                ping: configuration.ping,
                acceptor: acceptor,
                registry: live,
                logger: logger
            ),
            limiter: configuration.limiter
        )
    }

    /// Whether the upgrade request `head` on `listener` becomes a WebSocket, and who serves it.
    func upgradeDecision(_ head: HTTPRequest, channel: any Channel, listener: WebSocketListener) -> WebSocketUpgradeChannel.Decision {
        guard head.isWellFormedWebSocketUpgrade else { return .refuse(.badRequest) }
        let uri = URI(head.path ?? "/")
        guard !live.isDraining, let route = listener.route(forPath: uri.path) else { return .refuse(.badRequest) }
        if let refusal = admissionRefusal(head, channel: channel, listener: listener, route: route) { return .refuse(refusal) }
        let id = ConnectionID(rawValue: nextConnectionID.add(1, ordering: .relaxed).newValue)
        var headers = Headers()
        for field in head.headerFields { headers.append(name: field.name.canonicalName, value: field.value) }
        let info = ConnectionInfo(
            id: id,
            route: Route(listener: listener.name, pathPattern: route.pathPattern, adapter: route.adapter),
            path: uri.path,
            query: uri.query,
            peer: channel.remoteAddress.map(Self.describe),
            headers: headers,
            isSecure: listener.tls != nil
        )
        let deflate = configuration.compression ? PerMessageDeflate.Agreement.negotiate(head.headerFields) : nil
        return .accept(.init(info: info, deflate: deflate))
    }

    private static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v6: "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        default: "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
    }

    /// The TLS context for `files`, loaded once and shared by every listener that uses them.
    private func tlsContext(_ files: TLSFiles) throws -> ReloadableTLSContext {
        try state.withLock { state in
            if let context = state.tls[files] { return context }
            let context = try ReloadableTLSContext(files: files)
            state.tls[files] = context
            return context
        }
    }

    /// Reads every listener's certificate chain and key again (what `serve` does on SIGHUP).
    ///
    /// New connections get the new certificate; open connections keep theirs. A pair that
    /// cannot be loaded (unreadable, not PEM, key and certificate not matching) is logged once
    /// as an error and keeps its previous certificate. Before ``listen(_:)`` has loaded the
    /// files, or without TLS, there is nothing to reload.
    ///
    /// - Returns: whether every pair was reloaded.
    @discardableResult
    public func reloadTLSCertificates() -> Bool {
        let contexts = state.withLock { Array($0.tls.values) }
        var reloadedAll = true
        for context in contexts {
            let metadata: Logger.Metadata = [
                "tls.certificate": "\(context.files.certificateChainPath)",
                "tls.key": "\(context.files.privateKeyPath)",
            ]
            do {
                try context.reload()
                logger.info("TLS certificate reloaded; new connections use it", metadata: metadata)
            } catch {
                reloadedAll = false
                var metadata = metadata
                metadata["error"] = "\((error as? SwitchboardError)?.cause.map { "\($0)" } ?? "\(error)")"
                logger.error("TLS certificate reload failed; keeping the previous certificate", metadata: metadata)
            }
        }
        return reloadedAll
    }
}
