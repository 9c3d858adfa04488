public import Logging
import Synchronization

/// One connected peer as the server tracks it: who it is, when it was last heard from, which
/// groups it is in, and its bounded outbound queue.
///
/// Sessions are created by ``SessionManager/open(_:adapter:at:)`` and live exactly as long as
/// their connection. Send through the session, never the raw connection, so ordering and the
/// queue policy hold for replies and broadcasts alike.
public final class Session: Sendable, CustomStringConvertible {
    struct Metadata {
        var identity: String?
        var lastSeen: ContinuousClock.Instant
        var groups: Set<String> = []
        var overflowLogged = false
    }

    /// Where the connection came from.
    public let info: ConnectionInfo
    /// The name of the adapter serving this session.
    public let adapter: String
    /// When the session opened.
    public let connectedAt: ContinuousClock.Instant

    let metadata: Mutex<Metadata>
    let queue: OutboundQueue
    private let statistics: SessionStatistics
    private let logger: Logger

    init(
        info: ConnectionInfo,
        adapter: String,
        connectedAt: ContinuousClock.Instant,
        policy: OutboundQueuePolicy,
        statistics: SessionStatistics,
        logger: Logger
    ) {
        self.info = info
        self.adapter = adapter
        self.connectedAt = connectedAt
        self.metadata = Mutex(Metadata(lastSeen: connectedAt))
        self.queue = OutboundQueue(policy: policy)
        self.statistics = statistics
        var logger = logger
        logger[metadataKey: "session.id"] = "\(info.id.rawValue)"
        logger[metadataKey: "session.adapter"] = "\(adapter)"
        self.logger = logger
    }

    /// The session's id (the same as its connection's).
    public var id: ConnectionID { info.id }

    /// The protocol-level identity (a wslink client id, a CrossComm client id…), once known.
    public var identity: String? { metadata.withLock { $0.identity } }

    /// When a frame last arrived from the peer.
    public var lastSeen: ContinuousClock.Instant { metadata.withLock { $0.lastSeen } }

    /// The groups this session belongs to.
    public var groups: Set<String> { metadata.withLock { $0.groups } }

    /// A logger carrying `session.id` and `session.adapter` metadata.
    public var sessionLogger: Logger { logger }

    /// Frames waiting in the outbound queue.
    public var queuedFrames: Int { queue.queuedCount }

    /// Whether a close has been requested.
    public var isClosing: Bool { queue.closeRequest != nil }

    /// Records that the peer was heard from at `now` (never moves backwards).
    public func touch(at now: ContinuousClock.Instant) {
        metadata.withLock { $0.lastSeen = max($0.lastSeen, now) }
    }

    /// Queues a frame without waiting. A full queue is handled by the session's
    /// ``OutboundQueuePolicy``; the outcome says what happened. Use for broadcasts.
    @discardableResult
    public func offer(_ frame: Frame) -> SendOutcome {
        let outcome = queue.offer(frame)
        switch outcome {
        case .enqueued, .sessionClosed:
            break
        case .enqueuedDroppingOldest(let count):
            statistics.recordDropped(count)
            logOverflowOnce("dropped \(count) oldest queued frames")
        case .dropped:
            statistics.recordDropped(1)
            logOverflowOnce("dropped a frame: outbound queue full")
        case .closedForOverflow:
            statistics.recordOverflowClose()
            logOverflowOnce("closing: outbound queue overflowed")
        }
        return outcome
    }

    /// Queues a frame, waiting while the queue is full. Use for replies on the session's own
    /// task: only this session is slowed. Throws once the session is closing.
    public func send(_ frame: Frame) async throws {
        try await queue.send(frame)
    }

    /// Closes the session after delivering what is already queued (bounded by the manager's
    /// drain timeout). Later sends are refused. Idempotent: the first code wins.
    public func close(code: CloseCode, reason: String = "") {
        queue.requestClose(code: code, reason: reason, flush: true)
    }

    /// Closes the session at once, discarding what is queued.
    public func abort(code: CloseCode, reason: String = "") {
        queue.requestClose(code: code, reason: reason, flush: false)
    }

    /// `session <id> (<adapter>, <peer>)`.
    public var description: String {
        "session \(info.id.rawValue) (\(adapter), \(info.peer ?? "unknown peer"))"
    }

    private func logOverflowOnce(_ message: String) {
        let first = metadata.withLock { metadata in
            defer { metadata.overflowLogged = true }
            return !metadata.overflowLogged
        }
        if first {
            logger.warning(
                "\(message)",
                metadata: ["queue.policy": "\(queue.policy.overflow)", "queue.max_messages": "\(queue.policy.maxMessages)"]
            )
        }
    }
}

/// Counters shared by every session of one ``SessionManager``.
final class SessionStatistics: Sendable {
    private let opened = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let overflowCloses = Atomic<Int>(0)

    func recordOpened() { opened.add(1, ordering: .relaxed) }
    func recordClosed() { closed.add(1, ordering: .relaxed) }
    func recordDropped(_ count: Int) { dropped.add(count, ordering: .relaxed) }
    func recordOverflowClose() { overflowCloses.add(1, ordering: .relaxed) }

    var snapshot: SessionManager.Statistics {
        SessionManager.Statistics(
            opened: opened.load(ordering: .relaxed),
            closed: closed.load(ordering: .relaxed),
            droppedFrames: dropped.load(ordering: .relaxed),
            overflowCloses: overflowCloses.load(ordering: .relaxed)
        )
    }
}
