/// An error from the siyi server or client: a request that timed out, a connection that went
/// away, an error response, a handler's failure.
///
/// Thrown from a request handler, its ``message`` becomes the `error` text of the response
/// verbatim; any other error thrown by a handler is answered with its description, as the
/// original answers with `str(exception)`.
///
/// ```swift
/// server.register("divide") { params, _ in
///     guard params["by"]?.doubleValue != 0 else { throw SiyiError.failure("division by zero") }
///     …
/// }
/// ```
public struct SiyiError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case timeout, connectionClosed, notConnected, errorResponse, handlerFailed
            case invalidArgument, invalidResponse, overloaded, decodingFailed, stopped
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// No response arrived within the request's timeout.
        public static let timeout = Code(.timeout)
        /// The connection closed while the request was pending (it fails at once, not at its
        /// timeout), or the send failed because it was closing.
        public static let connectionClosed = Code(.connectionClosed)
        /// The client is not connected (or the peer is no longer connected to the server).
        public static let notConnected = Code(.notConnected)
        /// The peer answered with `status:"error"` (typed helpers only; plain requests return
        /// error responses as values).
        public static let errorResponse = Code(.errorResponse)
        /// A handler failed; the message is what the peer is told.
        public static let handlerFailed = Code(.handlerFailed)
        /// `params` or event `data` was neither an object nor null.
        public static let invalidArgument = Code(.invalidArgument)
        /// The peer's response to this request was malformed.
        public static let invalidResponse = Code(.invalidResponse)
        /// Too many requests are in flight on the connection.
        public static let overloaded = Code(.overloaded)
        /// Typed helpers could not convert between JSON and a `Codable` type.
        public static let decodingFailed = Code(.decodingFailed)
        /// The server or client has been stopped.
        public static let stopped = Code(.stopped)

        /// The code's name.
        public var description: String { "\(wrapped)" }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation (the `error` text of a response, for handler failures).
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A handler failure whose `message` is sent to the peer as the response's `error` text.
    public static func failure(_ message: String) -> SiyiError {
        SiyiError(code: .handlerFailed, message: message)
    }

    /// `code: message (cause)`.
    public var description: String {
        if let cause { return "\(code): \(message) (\(cause))" }
        return "\(code): \(message)"
    }

    /// The `error` text a handler's thrown error produces in the response.
    static func responseText(for error: any Error) -> String {
        if let error = error as? SiyiError { return error.message }
        return "\(error)"
    }
}
