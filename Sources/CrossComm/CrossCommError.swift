/// An error raised by the CrossComm codec, server or client.
///
/// `code` is stable and meant for `switch`; `message` is for people; `cause` keeps the
/// underlying error when there is one.
public struct CrossCommError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case invalidJSON, notAnObject, missingField, unknownField, unknownMessageType, invalidFieldType
            case messageTooLarge, invalidContent, notLoggedIn, loginTimeout, requestTimeout
            case connectionClosed, fileTransferFailed, fileNotFound, alreadyRunning
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The frame is not JSON (pywayne logs `收到无效的JSON消息`).
        public static let invalidJSON = Code(.invalidJSON)
        /// The frame is JSON but not an object (an array, a number…).
        public static let notAnObject = Code(.notAnObject)
        /// One of the six required keys is missing.
        public static let missingField = Code(.missingField)
        /// A key outside the seven envelope keys is present.
        public static let unknownField = Code(.unknownField)
        /// `msg_type` is not one of the 13 values.
        public static let unknownMessageType = Code(.unknownMessageType)
        /// A field has the wrong JSON type (e.g. a string `timestamp`).
        public static let invalidFieldType = Code(.invalidFieldType)
        /// The message is larger than the 1 MiB pywayne accepts.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The content does not fit its message type (e.g. a non-string `json` content).
        public static let invalidContent = Code(.invalidContent)
        /// The client is not logged in.
        public static let notLoggedIn = Code(.notLoggedIn)
        /// No `login_response` arrived in time.
        public static let loginTimeout = Code(.loginTimeout)
        /// A request (`list_clients`) got no answer in time.
        public static let requestTimeout = Code(.requestTimeout)
        /// The connection closed while the operation needed it.
        public static let connectionClosed = Code(.connectionClosed)
        /// Uploading to or downloading from the file store failed.
        public static let fileTransferFailed = Code(.fileTransferFailed)
        /// A local file or folder to send does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// ``CrossCommClient/run()`` was called while the client already runs.
        public static let alreadyRunning = Code(.alreadyRunning)

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
