/// An error raised by the wslink codec, server adapter or client.
///
/// `code` is stable and meant for `switch`; `message` is for people. Errors the peer sent
/// back on the wire arrive as ``WSLinkError/Code/remote`` with the wire error in ``remote``.
public struct WSLinkError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case malformedChunk, chunkSizeMismatch, messageTooLarge, tooManyPartialMessages
            case reassemblyFull, malformedPayload, invalidEnvelope, invalidRegistration
            case invalidTopic, remote, connectionClosed, timeout, authenticationFailed
            case unencodableValue
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A binary frame shorter than the 12-byte chunk header, or whose content runs past
        /// the declared total size.
        public static let malformedChunk = Code(.malformedChunk)
        /// A chunk's total size disagrees with the first chunk of the same message id.
        public static let chunkSizeMismatch = Code(.chunkSizeMismatch)
        /// A message declares (or has) more bytes than the current limit allows.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// Too many messages are partially received at the same time on one connection.
        public static let tooManyPartialMessages = Code(.tooManyPartialMessages)
        /// Partially received messages would hold more bytes than the connection may buffer.
        public static let reassemblyFull = Code(.reassemblyFull)
        /// A complete message is not valid msgpack (2.x) or JSON (1.x).
        public static let malformedPayload = Code(.malformedPayload)
        /// A decoded message is not a wslink envelope (not a map, missing keys, wrong types).
        public static let invalidEnvelope = Code(.invalidEnvelope)
        /// A method name or parameter list was rejected at registration.
        public static let invalidRegistration = Code(.invalidRegistration)
        /// A publish topic the JavaScript client would silently drop (not `\w+(\.\w+)*`).
        public static let invalidTopic = Code(.invalidTopic)
        /// The peer answered with a wire error; see ``WSLinkError/remote``.
        public static let remote = Code(.remote)
        /// The connection closed (or was never open) while a call needed it.
        public static let connectionClosed = Code(.connectionClosed)
        /// A call got no reply within its timeout.
        public static let timeout = Code(.timeout)
        /// The server refused the secret (`-32000 Authentication failed`).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// A value cannot be represented on the wire (e.g. a 1.x result holding raw bytes).
        public static let unencodableValue = Code(.unencodableValue)

        /// The code's name.
        public var description: String { "\(wrapped)" }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation (never contains secrets).
    public var message: String
    /// The request id the problem belongs to, when one could be read (servers reply there).
    public var requestID: String?
    /// The wire error the peer sent, for ``Code/remote`` and ``Code/authenticationFailed``.
    public var remote: WSLinkRPCError?
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, requestID: String? = nil, remote: WSLinkRPCError? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.remote = remote
        self.cause = cause
    }

    /// `code: message (cause)`.
    public var description: String {
        if let cause { return "\(code): \(message) (\(cause))" }
        return "\(code): \(message)"
    }
}
