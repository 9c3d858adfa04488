/// Why the launcher could not load its configuration or start a session.
///
/// Configuration problems stop `switchboard launcher` before it binds; the session codes are
/// what the HTTP endpoint turns into its JSON `{"error": …}` answers (see `LauncherAnswer`).
public struct LauncherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Equatable {
        /// The configuration file could not be read.
        case unreadableConfiguration
        /// The configuration is not JSON (after comments are removed) or misses a required key.
        case invalidConfiguration
        /// `posix_spawnp` failed for a session's command line.
        case spawnFailed
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
