/// How much a session may buffer for a peer that reads slowly, and what happens beyond that.
///
/// Every session has its own queue, so one stalled reader costs only its own memory: broadcasts
/// never wait for it. The limits count messages and bytes queued but not yet handed to the
/// transport.
public struct OutboundQueuePolicy: Sendable, Hashable {
    /// What to do with a message that does not fit.
    public enum Overflow: Sendable, Hashable {
        /// Discard the new message; the session stays open.
        case dropNewest
        /// Discard the oldest queued messages until the new one fits; the session stays open.
        case dropOldest
        /// Discard the queue and close the session with the given code (default
        /// ``CloseCode/slowConsumer``, which tells the client to reconnect).
        case close(CloseCode)
    }

    /// Most messages queued at once.
    public var maxMessages: Int
    /// Most payload bytes queued at once. A single message larger than this is still accepted
    /// into an empty queue, so one big result is never impossible to send.
    public var maxBytes: Int
    /// What to do on overflow.
    public var overflow: Overflow

    /// Creates a policy.
    public init(maxMessages: Int = 4096, maxBytes: Int = 64 << 20, overflow: Overflow = .close(.slowConsumer)) {
        precondition(maxMessages > 0 && maxBytes > 0, "queue limits must be positive")
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
        self.overflow = overflow
    }

    /// 4096 messages or 64 MiB, then close with ``CloseCode/slowConsumer``.
    public static let `default` = OutboundQueuePolicy()
}

/// What happened to a message offered to a session.
public enum SendOutcome: Sendable, Hashable {
    /// Queued for delivery.
    case enqueued
    /// Queued, after discarding this many older messages (``OutboundQueuePolicy/Overflow/dropOldest``).
    case enqueuedDroppingOldest(Int)
    /// Discarded because the queue was full (``OutboundQueuePolicy/Overflow/dropNewest``).
    case dropped
    /// Discarded, and the session is being closed for overflowing.
    case closedForOverflow
    /// Discarded because the session is already closing.
    case sessionClosed

    /// Whether the message will be delivered (if the connection survives).
    public var isDelivered: Bool {
        switch self {
        case .enqueued, .enqueuedDroppingOldest: true
        case .dropped, .closedForOverflow, .sessionClosed: false
        }
    }
}
