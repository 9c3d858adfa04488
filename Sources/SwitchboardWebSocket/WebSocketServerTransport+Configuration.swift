public import SwitchboardCore

extension WebSocketServerTransport {
    /// Everything the WebSocket server transport needs: listeners, limits, heartbeat, TLS.
    ///
    /// Defaults are deliberate, not the underlying library's (which would cap frames and inflated
    /// messages at 16 KiB and skip UTF-8 checks): 16 MiB messages, UTF-8 validated, permessage-deflate
    /// offered, ping every 30 s.
    public struct Configuration: Sendable {
        /// The listeners to open.
        public var listeners: [WebSocketListener]
        /// Largest inbound message (after reassembly and decompression); larger ones close the
        /// connection with 1009.
        public var maxMessageSize: Int
        /// Offer permessage-deflate (RFC 7692) to clients that ask for it.
        public var compression: Bool
        /// WebSocket ping/pong: a ping every `interval`; a peer that has not answered by the next
        /// ping is closed. `nil` disables pings.
        public var ping: HeartbeatPolicy?
        /// How long a close handshake may take before the socket is closed regardless.
        public var closeTimeout: Duration
        /// On graceful shutdown, how long connections get to finish before they are closed with 1001.
        public var shutdownDrainTimeout: Duration
        /// HTTP-side timeouts and connection limits, and their counters (``ConnectionLimiter``),
        /// shared by every listener.
        public var limiter = ConnectionLimiter()

        /// Creates a configuration.
        public init(
            listeners: [WebSocketListener],
            maxMessageSize: Int = 16 << 20,
            compression: Bool = true,
            ping: HeartbeatPolicy? = .default,
            closeTimeout: Duration = .seconds(10),
            shutdownDrainTimeout: Duration = .seconds(5)
        ) {
            precondition(maxMessageSize > 0, "maxMessageSize must be positive")
            self.listeners = listeners
            self.maxMessageSize = maxMessageSize
            self.compression = compression
            self.ping = ping
            self.closeTimeout = closeTimeout
            self.shutdownDrainTimeout = shutdownDrainTimeout
        }
    }
}

/// One listening socket and what it serves.
public struct WebSocketListener: Sendable {
    /// A name for logs and listener lines (e.g. `main`, `crosscomm`).
    public var name: String
    /// Address to bind; `127.0.0.1` keeps the server local.
    public var host: String
    /// Port to bind; 0 picks a free port (see ``WebSocketServerTransport/boundListeners()``).
    public var port: Int
    /// WebSocket routes: path pattern → adapter name. A pattern is an exact path (`/ws`) or
    /// `*` for any path.
    public var routes: [WebSocketRoute]
    /// Directory served as static files on this port, if any.
    public var contentDirectory: String?
    /// Certificate and key for TLS (`wss://`, `https://`), if any.
    public var tls: TLSFiles?
    /// Plain HTTP handlers mounted under path prefixes on this port.
    public var httpEndpoints: [HTTPEndpoint]
    /// Which browser origins may upgrade on this listener's routes (a route may override it);
    /// by default the same host and loopback pages (``OriginPolicy/default``).
    public var originPolicy = OriginPolicy.default

    /// Creates a listener.
    public init(
        name: String,
        host: String = "127.0.0.1",
        port: Int,
        routes: [WebSocketRoute],
        contentDirectory: String? = nil,
        tls: TLSFiles? = nil,
        httpEndpoints: [HTTPEndpoint] = []
    ) {
        self.httpEndpoints = httpEndpoints
        self.name = name
        self.host = host
        self.port = port
        self.routes = routes
        self.contentDirectory = contentDirectory
        self.tls = tls
    }
}


/// A WebSocket path on a listener and the adapter that serves it.
public struct WebSocketRoute: Sendable, Hashable {
    /// An exact path such as `/ws`, or `*` for any path.
    public var pathPattern: String
    /// The adapter's name (``ProtocolAdapter/name``).
    public var adapter: String
    /// Overrides the listener's ``WebSocketListener/originPolicy`` for this route.
    public var originPolicy: OriginPolicy?

    /// Creates a route.
    public init(_ pathPattern: String, adapter: String) {
        self.pathPattern = pathPattern
        self.adapter = adapter
    }

    /// Whether this route takes every path.
    public var matchesAnyPath: Bool { pathPattern == "*" }
}

extension WebSocketListener {
    /// The route serving `path`: an exact match first (a trailing `/` ignored, as Hummingbird's
    /// router did), then a `*` route.
    func route(forPath path: String) -> WebSocketRoute? {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return routes.first { !$0.matchesAnyPath && $0.pathPattern == trimmed } ?? routes.first(where: \.matchesAnyPath)
    }
}

/// PEM files for a TLS listener.
public struct TLSFiles: Sendable, Hashable {
    /// Certificate chain (PEM), leaf first.
    public var certificateChainPath: String
    /// Private key (PEM).
    public var privateKeyPath: String

    /// Creates a TLS file pair.
    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

/// A listener that is bound and accepting, with the address it actually got.
public struct BoundListener: Sendable, Hashable {
    /// The listener's name.
    public var name: String
    /// The bound host.
    public var host: String
    /// The bound port (the real one when 0 was asked for).
    public var port: Int
    /// Whether it serves TLS.
    public var isSecure: Bool
    /// Its WebSocket routes.
    public var routes: [WebSocketRoute]
    /// Whether it serves static content.
    public var servesContent: Bool

    /// The `ws://` or `wss://` URL of a path on this listener.
    public func webSocketURL(path: String = "/") -> String {
        "\(isSecure ? "wss" : "ws")://\(hostForURL):\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    /// The `http://` or `https://` URL of a path on this listener.
    public func httpURL(path: String = "/") -> String {
        "\(isSecure ? "https" : "http")://\(hostForURL):\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    private var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
}
