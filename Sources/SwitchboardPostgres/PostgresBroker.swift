public import Logging
public import ServiceLifecycle
public import SwitchboardCore
import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A ``SwitchboardCore/Broker`` over PostgreSQL, after socket.io's postgres adapter: every
/// node LISTENs on one channel; a message that fits a notification is sent with NOTIFY, a
/// larger one is stored in `switchboard_payloads` and its row id is sent instead (read by
/// id, deleted after ``PostgresBrokerConfiguration/payloadRetention``). Each node writes its
/// heartbeat into `switchboard_nodes`; a node whose heartbeat is older than
/// ``PostgresBrokerConfiguration/nodeTimeout`` is declared down (``ClusterTopic/nodeDown``).
///
/// Run it as a service. When PostgreSQL goes away the node keeps serving its own sessions,
/// logs it, and reconnects with backoff (re-LISTENing and re-announcing itself); messages
/// published meanwhile are counted in ``undelivered`` and logged.
///
/// ```swift
/// let broker = PostgresBroker(configuration: try .init(url: "postgres://sb@127.0.0.1:5433/sb", nodeID: "a"), logger: logger)
/// hub.attach(cluster: broker, sessions: sessions)
/// // ServiceGroup(services: [broker, server], …)
/// ```
public final class PostgresBroker: Broker, Service {
    public let nodeID: String
    /// The configuration in force.
    public let configuration: PostgresBrokerConfiguration
    private let subscriptions = BrokerSubscriptions()
    /// Messages waiting for the writer, and whether it stopped taking them.
    private let outbox = Mutex<(messages: [ClusterMessage], finished: Bool)>(([], false))
    private let outboxWake: AsyncStream<Void>
    private let outboxWakeUp: AsyncStream<Void>.Continuation
    /// Most messages waiting for PostgreSQL; later ones are counted as undelivered.
    static let outboxLimit = 100_000
    private let connection = Mutex<PostgresConnection?>(nil)
    private let undeliveredCount = Atomic<Int>(0)
    private let logger: Logger

    /// Creates a broker; it connects when run.
    public init(configuration: PostgresBrokerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.nodeID = configuration.nodeID
        var logger = logger
        logger[metadataKey: "cluster.node"] = "\(configuration.nodeID)"
        self.logger = logger
        (outboxWake, outboxWakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Messages that could not be handed to PostgreSQL (it was unreachable).
    public var undelivered: Int { undeliveredCount.load(ordering: .relaxed) }

    /// Whether the broker is connected to PostgreSQL now.
    public var isConnected: Bool { connection.withLock { $0 != nil } }

    public func publish(topic: String, body: String) {
        let accepted = outbox.withLock { outbox in
            guard !outbox.finished, outbox.messages.count < Self.outboxLimit else { return false }
            outbox.messages.append(ClusterMessage(topic: topic, origin: nodeID, body: body))
            return true
        }
        guard accepted else { return recordUndelivered(topic: topic, reason: "outbox full or closed") }
        outboxWakeUp.yield()
    }

    public func subscribe(_ topic: String, _ handler: @escaping @Sendable (ClusterMessage) -> Void) {
        subscriptions.add(topic, handler)
    }

    /// Connects, keeps connected and relays until graceful shutdown.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writeOutbox() }
            group.addTask { await self.connectionLoop() }
            await withGracefulShutdownHandler {
                _ = await group.next()
            } onGracefulShutdown: {
                self.outbox.withLock { $0.finished = true }
                self.outboxWakeUp.finish()
                // Ends the LISTEN sequence, which task cancellation alone may not.
                let closing: EventLoopFuture<Void>? = self.connection.withLock { $0 }?.close()
                _ = closing
            }
            group.cancelAll()
        }
        if let connection = connection.withLock({ current in defer { current = nil }; return current }) {
            try? await connection.close()
        }
    }

    // MARK: - Connection

    private func connectionLoop() async {
        var delay = configuration.reconnectDelays.lowerBound
        var lost = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let connection = try await PostgresConnection.connect(configuration: postgresConfiguration, id: 1, logger: logger)
                do {
                    try await PostgresSchema.migrate(connection, logger: logger)
                    try await heartbeat(connection)
                    try await connection.listen(on: PostgresSchema.channel) { notifications in
                        self.connection.withLock { $0 = connection }
                        logger.notice(lost ? "reconnected to PostgreSQL; listening again" : "joined the cluster", metadata: ["channel": "\(PostgresSchema.channel)"])
                        delay = configuration.reconnectDelays.lowerBound
                        // Others re-announce their state to us; we re-announce ours.
                        try await self.notify(ClusterMessage(topic: ClusterTopic.nodeUp, origin: nodeID, body: nodeID), on: connection)
                        subscriptions.dispatch(ClusterMessage(topic: ClusterTopic.nodeUp, origin: nodeID, body: nodeID))
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await self.heartbeatLoop(connection) }
                            group.addTask {
                                for try await notification in notifications {
                                    await self.received(notification.payload, on: connection)
                                }
                            }
                            try await group.next()
                            group.cancelAll()
                        }
                    }
                } catch {
                    self.connection.withLock { $0 = nil }
                    try? await connection.close()
                    throw error
                }
            } catch {
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
                lost = true
                logger.warning("PostgreSQL unreachable; serving local sessions only, reconnecting", metadata: [
                    "retry.in": "\(delay)", "error": "\(String(reflecting: error).prefix(300))",
                ])
            }
            self.connection.withLock { $0 = nil }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.reconnectDelays.upperBound)
        }
    }

    private var postgresConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable
        )
    }

    // MARK: - Heartbeats

    private func heartbeat(_ connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO switchboard_nodes (node_id, started_at, last_heartbeat, status) VALUES (\(nodeID), now(), now(), 'up')
            ON CONFLICT (node_id) DO UPDATE SET last_heartbeat = now(), status = 'up'
            """, logger: logger)
    }

    private func heartbeatLoop(_ connection: PostgresConnection) async throws {
        let timeout = Double(configuration.nodeTimeout.components.seconds) + Double(configuration.nodeTimeout.components.attoseconds) / 1e18
        let retention = Double(configuration.payloadRetention.components.seconds)
        while true {
            try await Task.sleep(for: configuration.heartbeatInterval)
            try await heartbeat(connection)
            // One node wins each transition to down (the UPDATE is atomic) and tells the others.
            var dead: [String] = []
            let rows = try await connection.query("""
                UPDATE switchboard_nodes SET status = 'down'
                WHERE status = 'up' AND node_id <> \(nodeID) AND last_heartbeat < now() - make_interval(secs => \(timeout))
                RETURNING node_id
                """, logger: logger)
            for try await node in rows.decode(String.self) { dead.append(node) }
            for node in dead {
                logger.warning("cluster node missed its heartbeats; declared down", metadata: ["down.node": "\(node)"])
                let message = ClusterMessage(topic: ClusterTopic.nodeDown, origin: nodeID, body: node)
                try await notify(message, on: connection)
                subscriptions.dispatch(message)
            }
            try await connection.query("DELETE FROM switchboard_payloads WHERE created_at < now() - make_interval(secs => \(retention))", logger: logger)
        }
    }

    // MARK: - Messages

    /// Sends what accumulated while the previous notification was on its way, packed into as
    /// few notifications as fit (`Protocols.md` §8.2): one round trip to PostgreSQL then carries
    /// many messages, and each other node parses one payload for all of them.
    private func writeOutbox() async {
        for await _ in outboxWake {
            while true {
                let pending = outbox.withLock { outbox in
                    defer { outbox.messages = [] }
                    return outbox.messages
                }
                guard !pending.isEmpty else { break }
                guard let connection = connection.withLock({ $0 }) else {
                    for message in pending { recordUndelivered(topic: message.topic, reason: "PostgreSQL unreachable") }
                    continue
                }
                for batch in ClusterBatch.pack(pending, limit: configuration.maxNotificationBytes) {
                    do {
                        try await send(batch, on: connection)
                    } catch {
                        for message in batch.messages { recordUndelivered(topic: message.topic, reason: "\(error)") }
                    }
                }
            }
        }
    }

    private func send(_ batch: ClusterBatch, on connection: PostgresConnection) async throws {
        guard let payload = batch.payload(origin: nodeID) else { return try await notify(batch.messages[0], on: connection) }
        try await connection.query("SELECT pg_notify(\(PostgresSchema.channel), \(payload))", logger: logger)
    }

    private func recordUndelivered(topic: String, reason: String) {
        let count = undeliveredCount.wrappingAdd(1, ordering: .relaxed).newValue
        logger.warning("cluster message not delivered to other nodes", metadata: ["topic": "\(topic)", "reason": "\(reason.prefix(200))", "undelivered.total": "\(count)"])
    }

    /// NOTIFY as is when it fits, else through the payload table.
    private func notify(_ message: ClusterMessage, on connection: PostgresConnection) async throws {
        var envelope: JSONValue = .object([
            .init(key: "o", value: .string(message.origin)),
            .init(key: "t", value: .string(message.topic)),
            .init(key: "b", value: .string(message.body)),
        ])
        var text = envelope.encoded()
        if text.utf8.count > configuration.maxNotificationBytes {
            var id: Int64 = 0
            for try await value in try await connection.query("INSERT INTO switchboard_payloads (body) VALUES (\(message.body)) RETURNING id", logger: logger).decode(Int64.self) {
                id = value
            }
            envelope = .object([
                .init(key: "o", value: .string(message.origin)),
                .init(key: "t", value: .string(message.topic)),
                .init(key: "ref", value: .integer(id)),
            ])
            text = envelope.encoded()
        }
        try await connection.query("SELECT pg_notify(\(PostgresSchema.channel), \(text))", logger: logger)
    }

    private func received(_ payload: String, on connection: PostgresConnection) async {
        guard let envelope = try? JSONValue(parsing: payload), let origin = envelope["o"]?.stringValue else {
            logger.notice("ignored a malformed cluster notification")
            return
        }
        guard origin != nodeID else { return }
        if case .array(let batch)? = envelope["m"] {
            for entry in batch {
                guard let topic = entry["t"]?.stringValue, let body = entry["b"]?.stringValue else {
                    logger.notice("ignored a malformed message in a cluster batch")
                    continue
                }
                subscriptions.dispatch(ClusterMessage(topic: topic, origin: origin, body: body))
            }
            return
        }
        guard let topic = envelope["t"]?.stringValue else {
            logger.notice("ignored a malformed cluster notification")
            return
        }
        var body = envelope["b"]?.stringValue
        if body == nil, let id = envelope["ref"]?.integerValue {
            do {
                for try await value in try await connection.query("SELECT body FROM switchboard_payloads WHERE id = \(id)", logger: logger).decode(String.self) {
                    body = value
                }
            } catch {
                logger.warning("cluster payload unreadable", metadata: ["payload.id": "\(id)", "error": "\(error)"])
            }
        }
        guard let body else {
            logger.warning("cluster payload missing (past retention?)", metadata: ["topic": "\(topic)"])
            return
        }
        subscriptions.dispatch(ClusterMessage(topic: topic, origin: origin, body: body))
        if topic == ClusterTopic.nodeDown && body == nodeID {
            // Declared down while alive (late heartbeats): the others dropped our state; re-announce it.
            logger.warning("this node was declared down by another; announcing itself again", metadata: ["declared.by": "\(origin)"])
            try? await notify(ClusterMessage(topic: ClusterTopic.nodeUp, origin: nodeID, body: nodeID), on: connection)
            subscriptions.dispatch(ClusterMessage(topic: ClusterTopic.nodeUp, origin: nodeID, body: nodeID))
        }
    }
}
