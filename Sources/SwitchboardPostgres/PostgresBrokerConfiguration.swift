import Foundation

/// Where and how a ``PostgresBroker`` joins the cluster.
public struct PostgresBrokerConfiguration: Sendable {
    /// Server host.
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to connect as.
    public var username: String
    /// Its password, if the server asks for one.
    public var password: String?
    /// Database (default: the role's name).
    public var database: String?
    /// This node's name, unique in the cluster.
    public var nodeID: String
    /// How often the node row's heartbeat is written (and dead nodes looked for).
    public var heartbeatInterval: Duration = .seconds(1)
    /// A node whose heartbeat is older than this is declared down.
    public var nodeTimeout: Duration = .seconds(5)
    /// How long a payload row (a message too large for a notification) is kept.
    public var payloadRetention: Duration = .seconds(60)
    /// Reconnection delays: doubling from the first to the last.
    public var reconnectDelays: ClosedRange<Duration> = .milliseconds(100)...(.seconds(5))
    /// Largest notification payload sent as is (PostgreSQL's limit is 8000 bytes).
    public var maxNotificationBytes = 7500

    /// Parses `postgres://user[:password]@host[:port][/database]`.
    public init(url: String, nodeID: String) throws(PostgresBrokerError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw PostgresBrokerError(code: .invalidURL, message: "expected postgres://user[:password]@host[:port][/database], got \(url)")
        }
        guard !nodeID.isEmpty else { throw PostgresBrokerError(code: .invalidURL, message: "the node id must not be empty") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user?.removingPercentEncoding ?? "postgres"
        self.password = components.password?.removingPercentEncoding
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.database = path.isEmpty ? nil : path
        self.nodeID = nodeID
    }
}

/// A failure of the PostgreSQL broker.
public struct PostgresBrokerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// The `--cluster` URL could not be parsed.
        case invalidURL
        /// The schema's version is newer than this build knows.
        case schemaTooNew
    }

    /// What went wrong.
    public var code: Code
    /// Details.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
