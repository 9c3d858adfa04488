/// A protocol implementation plugged into the server: it owns each connection's protocol loop.
///
/// The server creates a ``Session`` for every connection routed to the adapter, runs
/// ``handle(_:session:)`` in that connection's own task, and removes the session when it
/// returns. Send through the session (its bounded queue keeps ordering and protects other
/// sessions from a slow reader) rather than through the connection's writer.
public protocol ProtocolAdapter: Sendable {
    /// The adapter's name; routes refer to adapters by it (e.g. `wslink`).
    var name: String { get }

    /// Runs the protocol on one connection until the peer leaves or the adapter closes it.
    /// Returning without closing makes the server close the connection normally (1000).
    func handle(_ connection: Connection, session: Session) async
}

/// Accepts connections and hands each one, in its own child task, to a handler.
public protocol ServerTransport: Sendable {
    /// Listens until the surrounding service shuts down (gracefully or by cancellation),
    /// calling `handler` for each connection; returns when every connection has ended.
    func listen(_ handler: @escaping @Sendable (Connection) async -> Void) async throws
}

/// Opens outbound connections.
public protocol ClientTransport: Sendable {
    /// Connects, runs `body` with the open connection, and closes the connection (normally)
    /// when `body` returns. Throws when the connection cannot be opened or `body` throws.
    /// The outcome carries the close code the server sent, if it sent one, so callers can
    /// decide whether to reconnect.
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result>
}

/// What a client connection produced and how it ended.
public struct ClientConnectionOutcome<Result: Sendable>: Sendable {
    /// What the connection's body returned.
    public var result: Result
    /// The close code the server sent, or `nil` if the connection ended without a close frame
    /// (or this side closed first).
    public var closeCode: CloseCode?
    /// The server's close reason, if any.
    public var closeReason: String?

    /// Creates an outcome.
    public init(result: Result, closeCode: CloseCode?, closeReason: String?) {
        self.result = result
        self.closeCode = closeCode
        self.closeReason = closeReason
    }
}
