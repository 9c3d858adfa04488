/// An error raised by Switchboard's core, transports and clients.
///
/// `code` is stable and meant for `switch`; `message` is for people; `cause` keeps the
/// underlying error (a socket error, say) when there is one.
public struct SwitchboardError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case connectionClosed, connectionFailed, timeout, invalidConfiguration
            case queueOverflow, protocolViolation, attemptsExhausted, cancelled
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The connection closed (or was never open) while the operation needed it.
        public static let connectionClosed = Code(.connectionClosed)
        /// A connection attempt failed (refused, TLS failure, upgrade rejected).
        public static let connectionFailed = Code(.connectionFailed)
        /// An operation did not complete within its deadline.
        public static let timeout = Code(.timeout)
        /// A configuration value is out of range or inconsistent.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A session's outbound queue was full and its policy rejected the message.
        public static let queueOverflow = Code(.queueOverflow)
        /// The peer sent something the protocol does not allow.
        public static let protocolViolation = Code(.protocolViolation)
        /// A reconnect loop used up its attempts.
        public static let attemptsExhausted = Code(.attemptsExhausted)
        /// The operation was cancelled.
        public static let cancelled = Code(.cancelled)

        /// The code's name.
        public var description: String { "\(wrapped)" }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `code: message (cause)`.
    public var description: String {
        if let cause { return "\(code): \(message) (\(cause))" }
        return "\(code): \(message)"
    }
}
