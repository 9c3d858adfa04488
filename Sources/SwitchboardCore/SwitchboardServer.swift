public import Logging
public import ServiceLifecycle

/// The server as a `Service`: accepts connections from a transport, routes each to its adapter
/// by ``Route/adapter``, and keeps the session table.
///
/// ```swift
/// let server = SwitchboardServer(transport: webSocketServer, adapters: [echo], logger: logger)
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// Graceful shutdown asks every session to close with 1001 after flushing its queue; the
/// transport stops accepting and waits (bounded by its drain timeout) for connections to finish.
public struct SwitchboardServer<Transport: ServerTransport>: Service {
    /// The session table shared by every adapter of this server.
    public let sessions: SessionManager
    private let transport: Transport
    private let adapters: [String: any ProtocolAdapter]
    /// Each adapter's metrics, resolved once.
    private let adapterMetrics: [String: AdapterMetrics]
    private let logger: Logger

    /// Creates a server. Adapter names must be unique.
    public init(
        transport: Transport,
        adapters: [any ProtocolAdapter],
        sessions: SessionManager? = nil,
        logger: Logger
    ) {
        self.transport = transport
        let adapters = Dictionary(adapters.map { ($0.name, $0) }) { first, _ in
            preconditionFailure("two adapters are named \(first.name)")
        }
        let sessions = sessions ?? SessionManager(logger: logger)
        self.adapters = adapters
        self.sessions = sessions
        // Nothing to count into without a metrics backend: the per-message counters are skipped.
        self.adapterMetrics = sessions.metrics.isRecording ? adapters.mapValues { sessions.metrics.adapter($0.name) } : [:]
        self.logger = logger
    }

    /// Runs until graceful shutdown or cancellation. Throws at once when a route names an
    /// adapter this server does not have.
    public func run() async throws {
        let missing = transport.routedAdapters.subtracting(adapters.keys).sorted()
        guard missing.isEmpty else {
            throw SwitchboardError(
                code: .invalidConfiguration,
                message: "routes name adapters this server does not have: \(missing.joined(separator: ", ")) (installed: \(adapters.keys.sorted().joined(separator: ", ")))"
            )
        }
        let sessions = self.sessions
        try await withGracefulShutdownHandler {
            try await transport.listen(ConnectionAcceptor { info, io in self.attach(info, io: io) })
        } onGracefulShutdown: {
            sessions.closeAll(code: .goingAway, reason: "server shutting down")
        }
    }

    /// Registers a session for a new connection and starts its adapter's handler (on the
    /// connection's event loop).
    func attach(_ info: ConnectionInfo, io: any ConnectionIO) -> ConnectionContext {
        let sessions = self.sessions
        let adapter = adapters[info.route.adapter]
        let session = adapter.map { sessions.open(info, adapter: $0.name, eventLoop: io.eventLoop) }
            ?? sessions.unregisteredSession(info, eventLoop: io.eventLoop)
        let context = ConnectionContext(
            session: session,
            io: io,
            drainTimeout: sessions.drainTimeout,
            closeTimeout: transport.closeTimeout,
            onClosed: { context in
                let session = context.session
                let removed = sessions.session(session.id) != nil
                sessions.remove(session)
                guard removed else { return }
                // One line per session: what it was, how it ended, how much it said.
                context.logger.info("session closed", metadata: [
                    "connection.peer": "\(session.info.peer ?? "-")",
                    "session.identity": "\(session.identity ?? "-")",
                    "close.code": "\(context.requestedCloseCode.map { "\($0.rawValue)" } ?? "peer")",
                    "session.duration": "\(ContinuousClock.now - session.connectedAt)",
                    "messages.in": "\(context.messagesIn)",
                    "messages.out": "\(context.messagesOut)",
                ])
            }
        )
        guard let adapter else {
            context.logger.info("no adapter for route; closing", metadata: ["close.code": "\(CloseCode.adapterUnavailable)"])
            session.close(code: .adapterUnavailable, reason: "no \(info.route.adapter) adapter on this server")
            return context
        }
        context.logger.info("session opened", metadata: ["connection.peer": "\(info.peer ?? "-")", "connection.path": "\(info.path)"])
        if let metrics = adapterMetrics[adapter.name] {
            context.metrics = metrics
            metrics.opened()
        }
        context.start(adapter.makeHandler(for: session))
        if sessions.isClosingAll {
            // Shutdown began while this connection was being accepted, so `closeAll` missed it.
            session.close(code: .goingAway, reason: "server shutting down")
        }
        return context
    }
}
