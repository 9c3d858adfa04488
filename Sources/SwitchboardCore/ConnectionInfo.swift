/// A process-unique number for a connection, assigned by the transport.
public struct ConnectionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number itself.
    public let rawValue: UInt64

    /// Wraps a raw id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `conn-<n>`.
    public var description: String { "conn-\(rawValue)" }
}

/// Where a connection arrived and what the peer sent in its upgrade request.
public struct ConnectionInfo: Sendable {
    /// The transport-assigned id.
    public var id: ConnectionID
    /// The route the connection matched: which listener, which path, which adapter.
    public var route: Route
    /// The request path as the peer sent it (without query).
    public var path: String
    /// The query string without `?`, if any.
    public var query: String?
    /// The peer's address as `host:port`, when known.
    public var peer: String?
    /// The upgrade request's headers (for auth and origin checks).
    public var headers: Headers
    /// Whether the connection runs over TLS.
    public var isSecure: Bool

    /// Creates connection metadata.
    public init(
        id: ConnectionID,
        route: Route,
        path: String,
        query: String? = nil,
        peer: String? = nil,
        headers: Headers = Headers(),
        isSecure: Bool = false
    ) {
        self.id = id
        self.route = route
        self.path = path
        self.query = query
        self.peer = peer
        self.headers = headers
        self.isSecure = isSecure
    }
}

/// The listener, path pattern and adapter name a connection was routed by.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// The listener's name (e.g. `main`, `crosscomm`), for logs.
    public var listener: String
    /// The path pattern that matched: an exact path such as `/ws`, or `*` for any path.
    public var pathPattern: String
    /// The name of the adapter that serves this route.
    public var adapter: String

    /// Creates a route.
    public init(listener: String, pathPattern: String, adapter: String) {
        self.listener = listener
        self.pathPattern = pathPattern
        self.adapter = adapter
    }

    /// `listener pattern -> adapter`.
    public var description: String { "\(listener) \(pathPattern) -> \(adapter)" }
}

/// HTTP header fields with case-insensitive lookup, in arrival order.
public struct Headers: Sendable, Sequence {
    private var fields: [(name: String, value: String)]

    /// Creates headers from name/value pairs.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(_ name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Appends a field.
    public mutating func append(name: String, value: String) {
        fields.append((name, value))
    }

    /// Iterates the fields in arrival order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}
