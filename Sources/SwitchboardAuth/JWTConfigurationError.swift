/// A ``JWTTokenVerifier`` cannot be set up: a secret too short, a key file missing or not a
/// key of the expected kind. Raised when the verifier (or `switchboard serve`) starts, never
/// while verifying tokens.
public struct JWTConfigurationError: Error, Sendable, CustomStringConvertible {
    /// A human-readable explanation naming the file or flag at fault (never a secret).
    public var message: String
    /// The underlying error (a file or key-parsing error), if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ message: String, cause: (any Error)? = nil) {
        self.message = message
        self.cause = cause
    }

    /// The message, and the cause when there is one.
    public var description: String {
        cause.map { "\(message) (\($0))" } ?? message
    }
}
