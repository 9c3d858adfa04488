/// A protocol implementation plugged into the server.
///
/// For every connection routed to it, the server asks the adapter for a
/// ``ConnectionHandler``; the transport then calls that handler on the connection's event loop
/// (message received, timer fired, closed) and the handler answers through its
/// ``ConnectionContext`` (write, close, set the timer, run async user work). Nothing of the
/// adapter runs while a connection is idle.
///
/// ```swift
/// struct Shout: ProtocolAdapter {
///     let name = "shout"
///     func makeHandler(for session: Session) -> any ConnectionHandler { Handler() }
///     final class Handler: ConnectionHandler {
///         func received(_ frame: Frame, context: ConnectionContext) {
///             if case .text(let text) = frame { context.write(.text(text.uppercased())) }
///         }
///     }
/// }
/// ```
///
/// Adapters whose logic is easier to write as one async loop per connection conform to
/// ``AsyncProtocolAdapter`` instead (it costs a task per connection).
public protocol ProtocolAdapter: Sendable {
    /// The adapter's name; routes refer to adapters by it (e.g. `wslink`).
    var name: String { get }

    /// Makes the handler of one new connection. Called on the connection's event loop.
    func makeHandler(for session: Session) -> any ConnectionHandler
}

/// The protocol logic of one connection. The transport calls it only on the connection's
/// event loop, one call at a time, so it needs no locks; it must not block.
///
/// Every callback may write, close or set the timer through its context; frames written in a
/// callback are flushed together when the callback (or the read burst it belongs to) ends.
public protocol ConnectionHandler: AnyObject {
    /// The connection is open; the session is registered. Default: nothing.
    func opened(context: ConnectionContext)
    /// One whole message arrived. Not called once the connection is closing.
    func received(_ frame: Frame, context: ConnectionContext)
    /// The deadline set with ``ConnectionContext/setTimer(at:)`` has passed. Default: nothing.
    func timerFired(context: ConnectionContext)
    /// The connection is gone (the peer left, or the close completed). Last call. Default: nothing.
    func closed(context: ConnectionContext)
}

extension ConnectionHandler {
    /// Nothing.
    public func opened(context: ConnectionContext) {}
    /// Nothing.
    public func timerFired(context: ConnectionContext) {}
    /// Nothing.
    public func closed(context: ConnectionContext) {}
}

/// Accepts connections and runs each on its event loop, asking `acceptor` for its handler.
///
/// Graceful shutdown (the surrounding service's) is the transport's own: it stops accepting,
/// gives open connections ``drainTimeout`` to finish after the server asked their sessions
/// to close, closes whatever is left with 1001, and returns.
public protocol ServerTransport: Sendable {
    /// The adapter names the transport's routes refer to; the server refuses to start when
    /// one of them has no adapter (a typo fails at start-up, not on every connection).
    var routedAdapters: Set<String> { get }

    /// How long graceful shutdown waits for connections to finish before closing them.
    var drainTimeout: Duration { get }

    /// How long a close handshake may take before the connection is dropped.
    var closeTimeout: Duration { get }

    /// Listens until graceful shutdown or cancellation, attaching every accepted connection
    /// through `acceptor`; returns when every connection has ended.
    func listen(_ acceptor: ConnectionAcceptor) async throws
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
