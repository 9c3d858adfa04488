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
/// transport stops accepting and waits (bounded) for connections to finish.
public struct SwitchboardServer<Transport: ServerTransport>: Service {
    /// The session table shared by every adapter of this server.
    public let sessions: SessionManager
    private let transport: Transport
    private let adapters: [String: any ProtocolAdapter]
    private let logger: Logger

    /// Creates a server. Adapter names must be unique.
    public init(
        transport: Transport,
        adapters: [any ProtocolAdapter],
        sessions: SessionManager? = nil,
        logger: Logger
    ) {
        self.transport = transport
        self.adapters = Dictionary(adapters.map { ($0.name, $0) }) { first, _ in
            preconditionFailure("two adapters are named \(first.name)")
        }
        self.sessions = sessions ?? SessionManager(logger: logger)
        self.logger = logger
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        let sessions = self.sessions
        try await withGracefulShutdownHandler {
            try await transport.listen { connection in
                await serve(connection)
            }
        } onGracefulShutdown: {
            sessions.closeAll(code: .goingAway, reason: "server shutting down")
        }
    }

    /// Serves one connection to completion; the transport calls this in the connection's task.
    func serve(_ connection: Connection) async {
        var logger = self.logger
        logger[metadataKey: "connection.id"] = "\(connection.info.id.rawValue)"
        logger[metadataKey: "connection.route"] = "\(connection.info.route)"
        guard let adapter = adapters[connection.info.route.adapter] else {
            logger.info("no adapter for route; closing", metadata: ["close.code": "\(CloseCode.adapterUnavailable)"])
            await connection.close(
                code: .adapterUnavailable,
                reason: "no \(connection.info.route.adapter) adapter on this server"
            )
            return
        }
        if Task.isShuttingDownGracefully {
            await connection.close(code: .goingAway, reason: "server shutting down")
            return
        }
        let session = sessions.open(connection, adapter: adapter.name)
        if Task.isShuttingDownGracefully {
            // Shutdown began between the check above and `open`, so `closeAll` missed this session.
            session.close(code: .goingAway, reason: "server shutting down")
        }
        logger.debug("session opened", metadata: ["connection.peer": "\(connection.info.peer ?? "-")"])
        let observed = Connection(
            info: connection.info,
            inbound: connection.inbound.observing { [session] _ in session.touch(at: .now) },
            writer: connection.writer
        )
        let drainTimeout = sessions.drainTimeout
        await withDiscardingTaskGroup { group in
            group.addTask { await session.queue.run(on: connection, drainTimeout: drainTimeout) }
            await adapter.handle(observed, session: session)
            // The adapter is done: deliver what it queued, then close normally unless it
            // already chose a code.
            session.close(code: .normal)
        }
        sessions.remove(session)
        logger.debug("session closed")
    }
}
