import CoreMetrics
public import Logging
public import NIOCore
import Synchronization

/// One connected peer as the server tracks it: who it is, which groups it is in, and its
/// bounded outbound queue. A session is the handle other connections and user code hold:
/// every method is safe from any thread.
///
/// Sessions are created by ``SessionManager`` when a transport accepts a connection and live
/// exactly as long as it. Frames offered from another thread are queued at once (the queue
/// policy applies there and then) and written by the connection's own event loop, woken once
/// per burst rather than once per frame.
public final class Session: Sendable, CustomStringConvertible {
    struct Metadata {
        var identity: String?
        var groups: Set<String> = []
        var overflowLogged = false
    }

    /// Where the connection came from.
    public let info: ConnectionInfo
    /// The name of the adapter serving this session.
    public let adapter: String
    /// When the session opened.
    public let connectedAt: ContinuousClock.Instant
    /// The event loop the connection runs on (`nil` for a session that no transport drives,
    /// as in unit tests of the manager).
    public let eventLoop: (any EventLoop)?

    /// The manager that registered this session (identities, groups, broadcast).
    public weak let manager: SessionManager?

    let metadata: Mutex<Metadata>
    let queue: OutboundQueue
    private let statistics: SessionStatistics
    private let logger: Logger
    /// The loop-confined shell of the connection: read and written only on `eventLoop`
    /// (set when the transport attaches it, cleared when the connection closes).
    nonisolated(unsafe) var context: ConnectionContext?

    init(
        info: ConnectionInfo,
        adapter: String,
        connectedAt: ContinuousClock.Instant,
        eventLoop: (any EventLoop)?,
        manager: SessionManager?,
        policy: OutboundQueuePolicy,
        statistics: SessionStatistics,
        logger: Logger
    ) {
        self.info = info
        self.adapter = adapter
        self.connectedAt = connectedAt
        self.eventLoop = eventLoop
        self.manager = manager
        self.metadata = Mutex(Metadata())
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

    /// The groups this session belongs to.
    public var groups: Set<String> { metadata.withLock { $0.groups } }

    /// A logger carrying `session.id` and `session.adapter` metadata.
    public var sessionLogger: Logger { logger }

    /// Frames waiting in the outbound queue.
    public var queuedFrames: Int { queue.queuedCount }

    /// Whether a close has been requested.
    public var isClosing: Bool { queue.isClosing }

    /// Queues a frame without waiting. A full queue is handled by the session's
    /// ``OutboundQueuePolicy``; the outcome says what happened. Use for broadcasts.
    @discardableResult
    public func offer(_ frame: Frame) -> SendOutcome {
        let (outcome, wake) = offerWithoutWaking(frame)
        if wake { self.wake() }
        return outcome
    }

    /// Queues a frame, waiting while the queue is full. Use from async code (a handler's
    /// task): only this session is slowed. Throws once the session is closing.
    public func send(_ frame: Frame) async throws {
        if try await queue.send(frame) { wake() }
    }

    /// Closes the session after delivering what is already queued (bounded by the manager's
    /// drain timeout). Later sends are refused. Idempotent: the first code wins.
    public func close(code: CloseCode, reason: String = "") {
        if queue.requestClose(code: code, reason: reason, flush: true) { wake() }
    }

    /// Closes the session at once, discarding what is queued.
    public func abort(code: CloseCode, reason: String = "") {
        if queue.requestClose(code: code, reason: reason, flush: false) { wake() }
    }

    /// `session <id> (<adapter>, <peer>)`.
    public var description: String {
        "session \(info.id.rawValue) (\(adapter), \(info.peer ?? "unknown peer"))"
    }

    /// Queues `frame` and records drops; the flag says whether the loop must be woken.
    func offerWithoutWaking(_ frame: Frame) -> (SendOutcome, wake: Bool) {
        let (outcome, wake) = queue.offer(frame)
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
        return (outcome, wake)
    }

    /// Makes the connection's loop drain the queue: at the end of the current callback when
    /// already on that loop, otherwise through one task on it.
    func wake() {
        guard let eventLoop else { return }
        if eventLoop.inEventLoop {
            context?.drainSoon()
        } else {
            eventLoop.execute { self.context?.drain() }
        }
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
    private let droppedMetric: Counter
    private let overflowClosesMetric: Counter

    init(metrics: SwitchboardMetrics = SwitchboardMetrics()) {
        droppedMetric = Counter(label: "switchboard_queue_dropped_frames_total", factory: metrics.factory)
        overflowClosesMetric = Counter(label: "switchboard_queue_overflow_closes_total", factory: metrics.factory)
    }

    func recordOpened() { opened.add(1, ordering: .relaxed) }
    func recordClosed() { closed.add(1, ordering: .relaxed) }
    func recordDropped(_ count: Int) {
        dropped.add(count, ordering: .relaxed)
        droppedMetric.increment(by: count)
    }
    func recordOverflowClose() {
        overflowCloses.add(1, ordering: .relaxed)
        overflowClosesMetric.increment()
    }

    var snapshot: SessionManager.Statistics {
        SessionManager.Statistics(
            opened: opened.load(ordering: .relaxed),
            closed: closed.load(ordering: .relaxed),
            droppedFrames: dropped.load(ordering: .relaxed),
            overflowCloses: overflowCloses.load(ordering: .relaxed)
        )
    }
}
