public import Logging
import Synchronization

/// The one owner of the server's shared state: the session table, identities and groups.
///
/// All mutation happens under one lock and never across an `await`. Broadcasts snapshot their
/// recipients under the lock and queue outside it, and each session's queue is bounded by its
/// ``OutboundQueuePolicy``, so a stalled reader never delays anyone else.
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
    private let statistics = SessionStatistics()
    private let logger: Logger

    /// Creates an empty session table.
    public init(queuePolicy: OutboundQueuePolicy = .default, drainTimeout: Duration = .seconds(5), logger: Logger) {
        self.queuePolicy = queuePolicy
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    /// Registers a session for a new connection.
    public func open(_ connection: Connection, adapter: String, at now: ContinuousClock.Instant = .now) -> Session {
        let session = Session(
            info: connection.info,
            adapter: adapter,
            connectedAt: now,
            policy: queuePolicy,
            statistics: statistics,
            logger: logger
        )
        state.withLock { $0.sessions[session.id] = session }
        statistics.recordOpened()
        return session
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

    /// The members of a group, in connection order.
    public func members(of group: String) -> [Session] {
        state.withLock { state in
            (state.groups[group] ?? []).compactMap { state.sessions[$0] }
        }.sorted { $0.id < $1.id }
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
        var report = BroadcastReport(delivered: 0, notDelivered: 0)
        for session in recipients where !excluded.contains(session.id) {
            if session.offer(frame).isDelivered {
                report.delivered += 1
            } else {
                report.notDelivered += 1
            }
        }
        return report
    }

    /// Sessions of `adapter` not heard from for longer than `idle` at `now`.
    public func idleSessions(adapter: String, idle: Duration, at now: ContinuousClock.Instant) -> [Session] {
        sessions(adapter: adapter).filter { now - $0.lastSeen > idle }
    }

    /// Asks every session to close after flushing its queue (graceful shutdown).
    public func closeAll(code: CloseCode, reason: String) {
        let all = state.withLock { Array($0.sessions.values) }
        for session in all { session.close(code: code, reason: reason) }
    }
}
