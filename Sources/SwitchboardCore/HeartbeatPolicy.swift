/// How often a live peer must be heard from, and how long silence is tolerated.
///
/// A peer is closed and its session ended at most `interval + timeout` after it was last
/// heard from. Transports map this onto WebSocket ping/pong; protocols with their own
/// heartbeat (CrossComm's JSON heartbeat, siyi's `heartbeat` request) drive a
/// ``HeartbeatMonitor`` with it.
public struct HeartbeatPolicy: Sendable, Hashable {
    /// Time between heartbeats (pings sent, or expected from the peer).
    public var interval: Duration
    /// Extra silence tolerated after a heartbeat was due.
    public var timeout: Duration

    /// Creates a policy; both durations must be positive.
    public init(interval: Duration, timeout: Duration) {
        precondition(interval > .zero && timeout > .zero, "heartbeat durations must be positive")
        self.interval = interval
        self.timeout = timeout
    }

    /// 30 s interval, 30 s timeout: the originals' defaults.
    public static let `default` = HeartbeatPolicy(interval: .seconds(30), timeout: .seconds(30))

    /// The longest a silent peer survives.
    public var deadline: Duration { interval + timeout }
}

/// The heartbeat state machine of one connection. Time is a parameter: the caller passes
/// `now` and sleeps until the returned deadline.
///
/// ```swift
/// var monitor = HeartbeatMonitor(policy: .default, sendsHeartbeats: true, now: clock.now)
/// switch monitor.tick(now: clock.now) {
/// case .sendHeartbeat(let next): …send a ping…, sleep until next
/// case .wait(let next): sleep until next
/// case .expired: close the connection with .heartbeatTimeout
/// }
/// ```
public struct HeartbeatMonitor: Sendable {
    /// What the connection should do now.
    public enum Action: Sendable, Hashable {
        /// Send a heartbeat now, then tick again at the deadline.
        case sendHeartbeat(next: ContinuousClock.Instant)
        /// Nothing to do until the deadline.
        case wait(until: ContinuousClock.Instant)
        /// The peer was silent past `interval + timeout`: close it.
        case expired
    }

    /// The policy in force.
    public let policy: HeartbeatPolicy
    /// Whether this side sends heartbeats (siyi server) or only expects them (CrossComm server).
    public let sendsHeartbeats: Bool
    /// When the peer was last heard from.
    public private(set) var lastHeard: ContinuousClock.Instant
    private var lastSent: ContinuousClock.Instant

    /// Starts monitoring at `now` (connection open counts as hearing from the peer).
    public init(policy: HeartbeatPolicy, sendsHeartbeats: Bool, now: ContinuousClock.Instant) {
        self.policy = policy
        self.sendsHeartbeats = sendsHeartbeats
        self.lastHeard = now
        self.lastSent = now
    }

    /// Records any sign of life from the peer (a frame, a heartbeat, a pong).
    public mutating func peerWasHeard(at now: ContinuousClock.Instant) {
        if now > lastHeard { lastHeard = now }
    }

    /// Decides what to do at `now`.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        let expiry = lastHeard + policy.deadline
        if now >= expiry { return .expired }
        guard sendsHeartbeats else { return .wait(until: expiry) }
        let due = max(lastHeard, lastSent) + policy.interval
        if now >= due {
            lastSent = now
            return .sendHeartbeat(next: min(now + policy.interval, expiry))
        }
        return .wait(until: min(due, expiry))
    }
}
