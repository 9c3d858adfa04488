/// The deadline by which a new connection must do what its protocol requires first (log in,
/// say hello, send anything the protocol accepts), else the server closes it with
/// ``CloseCode/policyViolation`` (1008). Pure: time is a parameter.
///
/// ```swift
/// var handshake = HandshakeDeadline(timeout: .seconds(30), openedAt: .now)
/// handshake.satisfy()                       // on the first accepted message
/// if handshake.isExpired(at: .now) { … }    // in the connection's timer
/// ```
public struct HandshakeDeadline: Sendable, Hashable {
    /// When the connection is closed unless satisfied first; `nil` once satisfied or when
    /// there is no timeout.
    public private(set) var deadline: ContinuousClock.Instant?
    /// The timeout it was created with.
    public let timeout: Duration?

    /// Starts the clock at `openedAt`; a `nil` timeout never expires.
    public init(timeout: Duration?, openedAt: ContinuousClock.Instant) {
        self.timeout = timeout
        self.deadline = timeout.map { openedAt + $0 }
    }

    /// Whether the handshake is still outstanding.
    public var isPending: Bool { deadline != nil }

    /// The handshake happened: the deadline no longer applies.
    public mutating func satisfy() {
        deadline = nil
    }

    /// Whether the deadline has passed at `now` without the handshake.
    public func isExpired(at now: ContinuousClock.Instant) -> Bool {
        deadline.map { now >= $0 } ?? false
    }

    /// The earlier of the deadline (while pending) and `other`: when the connection's one timer
    /// should fire.
    public func earliest(_ other: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        switch (deadline, other) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b): b
        }
    }
}
