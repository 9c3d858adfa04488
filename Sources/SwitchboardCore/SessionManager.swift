public import CoreMetrics
public import Logging
public import NIOCore
import Synchronization

/// The one owner of the server's shared state: the session table, identities and groups.
///
/// All mutation happens under one lock and never across an `await`. Broadcasts snapshot their
/// recipients under the lock and queue outside it, and each session's queue is bounded by its
/// ``OutboundQueuePolicy``, so a stalled reader never delays anyone else. A broadcast hands
/// the same frame (one encoded buffer) to every recipient and wakes each event loop once,
/// whatever number of its connections received it.
///
/// ```swift
/// let sessions = SessionManager(logger: logger)
/// let report = sessions.broadcast(.text("hi"), to: .adapter("crosscomm"), excluding: [sender.id])
/// ```
public final class SessionManager: Sendable {
    /// Who a broadcast goes to.
    public enum Audience: Sendable, Hashable {
        /// Every session of every adapter.
        case everyone
        /// Every session served by the named adapter.
        case adapter(String)
        /// Every member of a group.
        case group(String)
    }

    /// What a broadcast did.
    public struct BroadcastReport: Sendable, Hashable {
        /// Sessions that queued the frame.
        public var delivered: Int
        /// Sessions that could not take it (full queue, closing).
        public var notDelivered: Int
    }

    /// Counters since the manager was created.
    public struct Statistics: Sendable, Hashable {
        /// Sessions opened.
        public var opened: Int
        /// Sessions removed.
        public var closed: Int
        /// Frames discarded by drop policies.
        public var droppedFrames: Int
        /// Sessions closed because their queue overflowed.
        public var overflowCloses: Int
    }

    private struct State {
        var closingAll = false
        var sessions: [ConnectionID: Session] = [:]
        var groups: [String: Set<ConnectionID>] = [:]
        var identities: [IdentityKey: Set<ConnectionID>] = [:]
    }

    private struct IdentityKey: Hashable {
        var adapter: String
        var identity: String
    }

    /// The queue policy given to new sessions.
    public let queuePolicy: OutboundQueuePolicy
    /// How long a closing session may spend delivering its queue before it is closed anyway.
    public let drainTimeout: Duration

    private let state = Mutex(State())
    private let statistics: SessionStatistics
    private let logger: Logger
    /// Where this server's metrics go (``SwitchboardMetrics``).
    public let metrics: SwitchboardMetrics

    /// Creates an empty session table. Metrics go to `metricsFactory` (by default whatever
    /// `MetricsSystem` was bootstrapped with by then).
    public init(
        queuePolicy: OutboundQueuePolicy = .default,
        drainTimeout: Duration = .seconds(5),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger
    ) {
        self.queuePolicy = queuePolicy
        self.drainTimeout = drainTimeout
        let metrics = SwitchboardMetrics(factory: metricsFactory)
        self.metrics = metrics
        self.statistics = SessionStatistics(metrics: metrics)
        self.logger = logger
    }

    /// Registers a session for a connection that no transport drives (unit tests of the
    /// manager): frames offered to it stay in its queue.
    public func open(_ connection: Connection, adapter: String, at now: ContinuousClock.Instant = .now) -> Session {
        open(connection.info, adapter: adapter, eventLoop: nil, at: now)
    }

    /// Registers a session for a new connection served on `eventLoop`.
    public func open(
        _ info: ConnectionInfo,
        adapter: String,
        eventLoop: (any EventLoop)?,
        at now: ContinuousClock.Instant = .now
    ) -> Session {
        let session = Session(
            info: info,
            adapter: adapter,
            connectedAt: now,
            eventLoop: eventLoop,
            manager: self,
            policy: queuePolicy,
            statistics: statistics,
            logger: logger
        )
        state.withLock { $0.sessions[session.id] = session }
        statistics.recordOpened()
        return session
    }

    /// A session for a connection that is refused before it is served (no adapter): it
    /// carries the close, but is neither registered nor counted.
    func unregisteredSession(_ info: ConnectionInfo, eventLoop: any EventLoop) -> Session {
        Session(
            info: info,
            adapter: info.route.adapter,
            connectedAt: .now,
            eventLoop: eventLoop,
            manager: nil,
            policy: queuePolicy,
            statistics: statistics,
            logger: logger
        )
    }

    /// Removes a session and all its memberships. Idempotent.
    public func remove(_ session: Session) {
        let removed = state.withLock { state -> Bool in
            guard state.sessions.removeValue(forKey: session.id) != nil else { return false }
            for group in session.groups {
                state.groups[group]?.remove(session.id)
                if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
            }
            if let identity = session.identity {
                let key = IdentityKey(adapter: session.adapter, identity: identity)
                state.identities[key]?.remove(session.id)
                if state.identities[key]?.isEmpty == true { state.identities[key] = nil }
            }
            return true
        }
        if removed { statistics.recordClosed() }
    }

    /// The session with this id, if it is still open.
    public func session(_ id: ConnectionID) -> Session? {
        state.withLock { $0.sessions[id] }
    }

    /// Open sessions, optionally only one adapter's, in connection order.
    public func sessions(adapter: String? = nil) -> [Session] {
        let all = state.withLock { Array($0.sessions.values) }
        return all.filter { adapter == nil || $0.adapter == adapter }.sorted { $0.id < $1.id }
    }

    /// Open sessions of `adapter` carrying `identity`, oldest first.
    public func sessions(identity: String, adapter: String) -> [Session] {
        state.withLock { state in
            let ids = state.identities[IdentityKey(adapter: adapter, identity: identity)] ?? []
            return ids.compactMap { state.sessions[$0] }
        }.sorted { $0.id < $1.id }
    }

    /// Sets (or clears) a session's protocol identity and indexes it for lookup.
    public func setIdentity(_ identity: String?, of session: Session) {
        state.withLock { state in
            guard state.sessions[session.id] != nil else { return }
            let old = session.metadata.withLock { metadata in
                defer { metadata.identity = identity }
                return metadata.identity
            }
            if let old {
                let key = IdentityKey(adapter: session.adapter, identity: old)
                state.identities[key]?.remove(session.id)
                if state.identities[key]?.isEmpty == true { state.identities[key] = nil }
            }
            if let identity {
                state.identities[IdentityKey(adapter: session.adapter, identity: identity), default: []].insert(session.id)
            }
        }
    }

    /// Adds a session to a group.
    public func join(_ session: Session, group: String) {
        state.withLock { state in
            guard state.sessions[session.id] != nil else { return }
            state.groups[group, default: []].insert(session.id)
            session.metadata.withLock { _ = $0.groups.insert(group) }
        }
    }

    /// Removes a session from a group.
    public func leave(_ session: Session, group: String) {
        state.withLock { state in
            state.groups[group]?.remove(session.id)
            if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
            session.metadata.withLock { _ = $0.groups.remove(group) }
        }
    }

    /// Moves a session from one group to another in one step, so a concurrent broadcast sees
    /// it in exactly one of them (`nil`: no group on that side).
    public func move(_ session: Session, from old: String?, to new: String?) {
        state.withLock { state in
            guard state.sessions[session.id] != nil else { return }
            if let old {
                state.groups[old]?.remove(session.id)
                if state.groups[old]?.isEmpty == true { state.groups[old] = nil }
            }
            if let new { state.groups[new, default: []].insert(session.id) }
            session.metadata.withLock { metadata in
                if let old { metadata.groups.remove(old) }
                if let new { metadata.groups.insert(new) }
            }
        }
    }

    /// The members of a group, in connection order (or in no particular order, without the
    /// sort, for a broadcast).
    public func members(of group: String, sorted: Bool = true) -> [Session] {
        let members = state.withLock { state in
            (state.groups[group] ?? []).compactMap { state.sessions[$0] }
        }
        return sorted ? members.sorted { $0.id < $1.id } : members
    }

    /// Number of open sessions.
    public var count: Int { state.withLock { $0.sessions.count } }

    /// Counters since creation.
    public var currentStatistics: Statistics { statistics.snapshot }

    /// Queues `frame` for every session in `audience` except `excluded`, without waiting for
    /// any of them.
    @discardableResult
    public func broadcast(_ frame: Frame, to audience: Audience, excluding excluded: Set<ConnectionID> = []) -> BroadcastReport {
        let recipients = state.withLock { state -> [Session] in
            switch audience {
            case .everyone:
                return Array(state.sessions.values)
            case .adapter(let name):
                return state.sessions.values.filter { $0.adapter == name }
            case .group(let name):
                return (state.groups[name] ?? []).compactMap { state.sessions[$0] }
            }
        }
        return Self.deliver(frame, to: recipients.lazy.filter { !excluded.contains($0.id) })
    }

    /// Offers `frame` to each session and wakes each event loop once for all of its sessions
    /// that got work (rather than once per session).
    public static func deliver(_ frame: Frame, to recipients: some Sequence<Session>) -> BroadcastReport {
        var report = BroadcastReport(delivered: 0, notDelivered: 0)
        var toWake: [ObjectIdentifier: (loop: any EventLoop, sessions: [Session])] = [:]
        for session in recipients {
            let (outcome, wake) = session.offerWithoutWaking(frame)
            if outcome.isDelivered {
                report.delivered += 1
            } else {
                report.notDelivered += 1
            }
            guard wake, let loop = session.eventLoop else { continue }
            toWake[ObjectIdentifier(loop), default: (loop, [])].sessions.append(session)
        }
        for (_, batch) in toWake {
            if batch.loop.inEventLoop {
                for session in batch.sessions { session.wake() }
            } else {
                let sessions = batch.sessions
                batch.loop.execute {
                    for session in sessions { session.context?.drain() }
                }
            }
        }
        return report
    }

    /// Whether ``closeAll(code:reason:)`` has been called (a session opened after it must be
    /// closed by its opener: graceful shutdown raced its acceptance).
    public var isClosingAll: Bool { state.withLock { $0.closingAll } }

    /// Asks every session to close after flushing its queue (graceful shutdown).
    public func closeAll(code: CloseCode, reason: String) {
        let all = state.withLock { state in
            state.closingAll = true
            return Array(state.sessions.values)
        }
        for session in all { session.close(code: code, reason: reason) }
    }
}
