public import SwitchboardCore

/// One connected siyi peer as the server sees it: a stable identity for the connection's
/// whole life (the original has none; decision S13). A reconnect is a new peer.
public struct SiyiPeer: Sendable, Hashable, CustomStringConvertible {
    /// The connection's id, unique in the process.
    public let id: ConnectionID
    /// The peer's address (`host:port`), when known.
    public let address: String?
    /// The request path the peer connected to.
    public let path: String

    /// Describes the peer of `info`.
    public init(_ info: ConnectionInfo) {
        id = info.id
        address = info.peer
        path = info.path
    }

    /// Peers are the same when their connections are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }

    /// Hashes the connection id.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// `siyi-peer <n> (<address>)`.
    public var description: String { "siyi-peer \(id.rawValue) (\(address ?? "unknown address"))" }
}
