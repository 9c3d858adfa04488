/// HTTP-side timeouts and connection limits of a ``WebSocketServerTransport``: what a peer may
/// cost the server before it has upgraded (or while it only speaks plain HTTP).
///
/// The defaults leave room for 10,000 real clients (several per address behind a NAT) and
/// stop a single address from holding thousands of sockets open with unfinished requests.
/// Every refusal has a documented answer (Protocols.md §1.2) and is counted in
/// ``ConnectionLimiter/Statistics``.
public struct ConnectionLimits: Sendable, Hashable {
    /// How long a connection may take to send its first complete request head; slower ones are
    /// answered `408 Request Timeout` and closed.
    public var requestHeadTimeout: Duration
    /// How long a plain HTTP keep-alive connection may sit idle between requests before it is
    /// closed (also bounds the head of every later request on it).
    public var keepAliveIdleTimeout: Duration
    /// Largest request head (request line and header fields) in bytes; a larger one is answered
    /// `431 Request Header Fields Too Large` and closed.
    public var maxRequestHeadBytes: Int
    /// Most connections open at once on all listeners; further ones are answered
    /// `503 Service Unavailable` before any upgrade.
    public var maxConnections: Int
    /// Most connections open at once from one client address; further ones get `503`.
    public var maxConnectionsPerAddress: Int
    /// Most WebSocket upgrades per second from one client address (0 = no limit); further
    /// ones get `429 Too Many Requests` with `Retry-After: 1`.
    public var upgradesPerSecondPerAddress: Int
    /// Whether the per-address limits skip loopback peers (`127.0.0.0/8`, `::1`): local tools,
    /// benchmarks, and a reverse proxy on the same host, behind which every client has one
    /// address. The total limit applies to them regardless. Default true.
    public var exemptsLoopback: Bool

    /// Creates limits; the defaults are ``default``'s.
    public init(
        requestHeadTimeout: Duration = .seconds(10),
        keepAliveIdleTimeout: Duration = .seconds(60),
        maxRequestHeadBytes: Int = 32 << 10,
        maxConnections: Int = 16_384,
        maxConnectionsPerAddress: Int = 2_048,
        upgradesPerSecondPerAddress: Int = 500,
        exemptsLoopback: Bool = true
    ) {
        precondition(requestHeadTimeout > .zero && keepAliveIdleTimeout > .zero, "timeouts must be positive")
        precondition(maxRequestHeadBytes >= 1024, "maxRequestHeadBytes must be at least 1024")
        precondition(maxConnections > 0 && maxConnectionsPerAddress > 0, "connection limits must be positive")
        precondition(upgradesPerSecondPerAddress >= 0, "upgradesPerSecondPerAddress must not be negative")
        self.requestHeadTimeout = requestHeadTimeout
        self.keepAliveIdleTimeout = keepAliveIdleTimeout
        self.maxRequestHeadBytes = maxRequestHeadBytes
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.upgradesPerSecondPerAddress = upgradesPerSecondPerAddress
        self.exemptsLoopback = exemptsLoopback
    }

    /// 10 s request head, 60 s keep-alive idle, 32 KiB head, 16,384 connections in all, 2,048 per
    /// address, 500 upgrades per second per address; loopback peers exempt from the per-address
    /// limits.
    public static let `default` = ConnectionLimits()
}
