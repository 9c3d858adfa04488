public import Logging
import HTTPTypes
import NIOCore
import NIOSSL
import NIOWebSocket
public import SwitchboardCore
import Synchronization
import WSClient
import WSCore

/// The client side of the WebSocket transport (`ws://` and `wss://`), on swift-websocket's
/// `WSClient`, behind the core's ``ClientTransport``. Pair it with ``ReconnectLoop`` to stay
/// connected.
///
/// ```swift
/// let transport = WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:8080/ws"), logger: logger)
/// let outcome = try await transport.withConnection { connection in
///     try await connection.write(.text("hello"))
///     return try await connection.inbound.first { _ in true }
/// }
/// ```
public struct WebSocketClientTransport: ClientTransport {
    /// How to verify the server's certificate on `wss://`.
    public enum TrustPolicy: Sendable, Hashable {
        /// The system's trust store and hostname verification.
        case system
        /// Trust only the CA certificates in this PEM file (e.g. a test's self-signed cert).
        case certificates(pemPath: String)
        /// No verification at all. Only for tests and local development.
        case insecureNoVerification
    }

    /// Client settings; the same deliberate limits as the server.
    public struct Configuration: Sendable {
        /// `ws://host:port/path` or `wss://…`.
        public var url: String
        /// Largest inbound message; larger ones close the connection with 1009.
        public var maxMessageSize: Int
        /// Offer permessage-deflate.
        public var compression: Bool
        /// Send pings and close a server that stops answering; `nil` sends none.
        public var ping: HeartbeatPolicy?
        /// How long a close handshake may take.
        public var closeTimeout: Duration
        /// Extra headers for the upgrade request.
        public var headers: [(name: String, value: String)]
        /// A bearer token sent as `Authorization: Bearer <token>` on the upgrade, for servers
        /// with authenticated identities (`Protocols.md` §9): how a ``Siyi`` client (or a
        /// CrossComm client) presents its token. `nil`: no such header.
        public var bearerToken: String?
        /// Certificate verification for `wss://`.
        public var trust: TrustPolicy
        /// The TLS server name (SNI, and the name the certificate must carry). Defaults to the
        /// URL's host; required when that host is an IP address other than loopback, because SNI
        /// cannot carry IP addresses. For loopback IPs it defaults to `localhost`.
        public var serverName: String?

        /// Creates a configuration.
        public init(
            url: String,
            maxMessageSize: Int = 16 << 20,
            compression: Bool = true,
            ping: HeartbeatPolicy? = nil,
            closeTimeout: Duration = .seconds(10),
            headers: [(name: String, value: String)] = [],
            trust: TrustPolicy = .system,
            serverName: String? = nil
        ) {
            self.url = url
            self.maxMessageSize = maxMessageSize
            self.compression = compression
            self.ping = ping
            self.closeTimeout = closeTimeout
            self.headers = headers
            self.trust = trust
            self.serverName = serverName
        }
    }

    private static let nextConnectionID = Atomic<UInt64>(1 << 62)

    /// The configuration in force.
    public let configuration: Configuration
    private let logger: Logger

    /// Creates a transport; nothing connects until ``withConnection(_:)``.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, runs `body`, closes normally when it returns, and reports the server's close
    /// code. Throws ``SwitchboardError/Code/connectionFailed`` when the connection cannot open.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        let configuration = self.configuration
        let logger = self.logger
        let id = ConnectionID(rawValue: Self.nextConnectionID.add(1, ordering: .relaxed).newValue)
        let result = Mutex<Result?>(nil)
        let opened = Atomic<Bool>(false)
        let closeFrame: WebSocketCloseFrame?
        do {
            closeFrame = try await WebSocketClient.connect(
                url: configuration.url,
                configuration: try makeClientConfiguration(),
                tlsConfiguration: try makeTLSConfiguration(),
                logger: logger
            ) { inbound, outbound, _ in
                opened.store(true, ordering: .releasing)
                let info = ConnectionInfo(
                    id: id,
                    route: Route(listener: "client", pathPattern: configuration.url, adapter: "client"),
                    path: configuration.url,
                    peer: configuration.url
                )
                let connection = WebSocketConnection.make(
                    info: info,
                    inbound: inbound,
                    outbound: outbound,
                    channel: nil,
                    maxMessageSize: configuration.maxMessageSize,
                    closeTimeout: configuration.closeTimeout,
                    logger: logger
                )
                let value = try await body(connection)
                result.withLock { $0 = value }
            }
        } catch {
            // Errors from `body` pass through untouched; anything before it ran means the
            // connection never opened (refused, TLS, upgrade rejected).
            guard opened.load(ordering: .acquiring) || error is SwitchboardError else {
                throw SwitchboardError(code: .connectionFailed, message: "cannot connect to \(configuration.url)", cause: error)
            }
            throw error
        }
        guard let value = result.withLock({ $0.take() }) else {
            throw SwitchboardError(code: .connectionClosed, message: "connection to \(configuration.url) ended before its body finished")
        }
        return ClientConnectionOutcome(
            result: value,
            closeCode: closeFrame.map { CloseCode(rawValue: UInt16(webSocketErrorCode: $0.closeCode)) },
            closeReason: closeFrame?.reason
        )
    }

    private func makeClientConfiguration() throws -> WebSocketClientConfiguration {
        var headers = HTTPFields()
        for header in configuration.headers {
            guard let name = HTTPField.Name(header.name) else {
                throw SwitchboardError(code: .invalidConfiguration, message: "invalid header name \(header.name)")
            }
            headers[name] = header.value
        }
        if let bearerToken = configuration.bearerToken { headers[.authorization] = "Bearer \(bearerToken)" }
        return WebSocketClientConfiguration(
            maxFrameSize: configuration.maxMessageSize,
            additionalHeaders: headers,
            extensions: configuration.compression ? [BoundedDeflate.factory(maxMessageSize: configuration.maxMessageSize)] : [],
            closeTimeout: configuration.closeTimeout,
            autoPing: configuration.ping.map { .enabled(timePeriod: $0.interval) } ?? .disabled,
            validateUTF8: true,
            sniHostname: try tlsServerName()
        )
    }

    /// NIOSSL refuses IP addresses as SNI, and WSClient would pass the URL's host: pick a name.
    private func tlsServerName() throws -> String? {
        if let serverName = configuration.serverName { return serverName }
        guard configuration.url.lowercased().hasPrefix("wss:") else { return nil }
        let authority = configuration.url.dropFirst("wss://".count).prefix { $0 != "/" && $0 != "?" }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.dropFirst().prefix { $0 != "]" }
        } else {
            host = authority.prefix { $0 != ":" }
        }
        let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
        let isIPv6 = host.contains(":")
        guard isIPv4 || isIPv6 else { return nil }
        if host.hasPrefix("127.") || host == "::1" { return "localhost" }
        throw SwitchboardError(
            code: .invalidConfiguration,
            message: "\(configuration.url) names an IP address; set serverName to the name on the server's certificate"
        )
    }

    private func makeTLSConfiguration() throws -> TLSConfiguration? {
        guard configuration.url.lowercased().hasPrefix("wss:") else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.trust {
        case .system:
            break
        case .certificates(let path):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw SwitchboardError(code: .invalidConfiguration, message: "cannot read CA certificates from \(path)", cause: error)
            }
        case .insecureNoVerification:
            tls.certificateVerification = .none
        }
        return tls
    }
}

extension Optional {
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
