public import CrossComm
import Foundation
public import Prometheus
public import Siyi
public import SwitchboardCore
public import SwitchboardWebSocket
public import UnixSignals
public import WSLink

extension SwitchboardApplication {
    /// What a ``SwitchboardApplication`` serves and how.
    ///
    /// The defaults are `switchboard serve`'s: one main listener on 127.0.0.1:8080, 16 MiB
    /// messages, permessage-deflate, a ping every 30 s, the default queue policy. Each protocol
    /// is on only when its options are set.
    ///
    /// ```swift
    /// var configuration = SwitchboardApplication.Configuration(port: 8080)
    /// configuration.wslink = .init(router: router, configuration: .init(secret: "wslink-secret"))
    /// configuration.staticFiles = "Public"
    /// configuration.crossComm = .init(port: 9898)
    /// ```
    public struct Configuration: Sendable {
        /// Address every listener binds.
        public var host: String
        /// The main listener's port (wslink, static files, `/crosscomm`, `/siyi`, extra
        /// endpoints); `nil` opens no main listener. 0 picks a free port.
        public var port: Int?
        /// The wslink protocol on the main listener, if any.
        public var wslink: WSLinkOptions?
        /// Directory served as static files on the main listener (`index.html` for directories).
        public var staticFiles: String?
        /// The CrossComm hub, if any.
        public var crossComm: CrossCommOptions?
        /// The siyi server, if any.
        public var siyi: SiyiOptions?
        /// Path of a diagnostic echo endpoint on the main listener (`/echo` in `switchboard serve`).
        public var echoPath: String?
        /// Certificate and key: every listener then speaks `wss://` and `https://`.
        public var tls: TLSFiles?
        /// A signal that makes the application read ``tls`` again (`serve` uses SIGHUP): new
        /// connections get the new certificate, open ones keep theirs, and files that cannot be
        /// loaded are logged once and leave the previous certificate in place. `nil` (the
        /// default) traps nothing; ``SwitchboardApplication/reloadTLSCertificates()`` reloads
        /// on demand either way.
        public var tlsReloadSignal: UnixSignal?
        /// Browser origins (`scheme://host[:port]`, `null`, `*`) whose pages may call the CrossComm
        /// file store across origins (CORS, ``SwitchboardWebSocket/CORSPolicy/fileStore(origins:)``).
        /// Empty (the default): no CORS headers and no `OPTIONS` answers.
        public var corsOrigins: [String] = []
        /// Largest inbound message after reassembly and decompression; larger ones close with 1009.
        public var maxMessageSize: Int
        /// Offer permessage-deflate.
        public var compression: Bool
        /// WebSocket pings; a peer silent for one more interval is closed. `nil`: no pings.
        public var ping: HeartbeatPolicy?
        /// Bounds of each session's outbound queue and what overflow does (used when the
        /// application creates the ``SwitchboardCore/SessionManager``).
        public var queuePolicy: OutboundQueuePolicy
        /// Stop (gracefully) after this long without any session, like wslink's `--timeout`.
        public var idleTimeout: Duration?
        /// Print one line per listener on standard output once all are bound, then
        /// ``readyLine`` — what scripts and launchers wait for.
        public var announce: Bool
        /// The last announced line; `nil` or empty prints none. Default: `$WSLINK_READY_MSG`,
        /// else wslink's `wslink: Starting factory`.
        public var readyLine: String?
        /// Serve this registry's metrics in Prometheus text format at `GET /metrics` on the
        /// main listener. Bootstrap `MetricsSystem` with a `PrometheusMetricsFactory` on the
        /// same registry (see ``SwitchboardApplication/bootstrapPrometheus()``) so that
        /// Switchboard's metrics land in it.
        public var metrics: PrometheusCollectorRegistry?
        /// Extra plain-HTTP endpoints on the main listener.
        public var httpEndpoints: [HTTPEndpoint]
        /// Extra adapters (your own protocols), reached through ``routes``.
        public var adapters: [any ProtocolAdapter]
        /// Extra WebSocket routes on the main listener.
        public var routes: [WebSocketRoute]
        /// Extra listeners, served beside the application's own.
        public var listeners: [WebSocketListener]
        /// Connection limits and the request-head timeout shared by every listener (SECURITY.md);
        /// `nil`: the transport's defaults.
        public var limiter: ConnectionLimiter?
        /// Which browser origins may open WebSockets on every listener; `nil`: the transport's
        /// default (the same host and loopback pages).
        public var originPolicy: OriginPolicy?

        /// Creates a configuration that serves nothing yet but the main listener.
        public init(host: String = "127.0.0.1", port: Int? = 8080) {
            self.host = host
            self.port = port
            self.maxMessageSize = 16 << 20
            self.compression = true
            self.ping = .default
            self.queuePolicy = .default
            self.announce = true
            self.readyLine = ProcessInfo.processInfo.environment["WSLINK_READY_MSG"] ?? "wslink: Starting factory"
            self.httpEndpoints = []
            self.adapters = []
            self.routes = []
            self.listeners = []
        }
    }

    /// The wslink protocol on the main listener.
    public struct WSLinkOptions: Sendable {
        /// The RPC table: a hand-built ``WSLink/WSLinkRouter`` or a `@WSLinkProtocol` value's
        /// `makeRouter()`.
        public var router: WSLinkRouter
        /// The endpoint's path on the main listener.
        public var path: String
        /// Secret, limits, token validation, `application.exit` handling.
        public var configuration: WSLinkServerConfiguration

        /// Creates the options.
        public init(router: WSLinkRouter, path: String = "/ws", configuration: WSLinkServerConfiguration = .init()) {
            self.router = router
            self.path = path
            self.configuration = configuration
        }
    }

    /// The CrossComm hub: on a port of its own (any path, as pywayne clients expect) and/or
    /// at a path of the main listener, with an optional HTTP file store.
    public struct CrossCommOptions: Sendable {
        /// The hub's own port (pywayne's default is 9898); `nil`: none.
        public var port: Int?
        /// The hub's path on the main listener; `nil`: none.
        public var mainPath: String?
        /// The hub's settings.
        public var configuration: CrossCommHub.Configuration
        /// Directory of the file store for files, images and folders (`/files/<key>`, Protocols.md §5.7).
        public var filesDirectory: String?
        /// Port of the file store's HTTP listener (pywayne's is the hub's port + 1); needs ``filesDirectory``.
        public var filesPort: Int?
        /// The file store's bucket, credentials, quotas and expiry (Protocols.md §5.7).
        public var files: CrossCommFileStore.Configuration = .init()

        /// Creates the options.
        public init(
            port: Int? = 9898,
            mainPath: String? = "/crosscomm",
            configuration: CrossCommHub.Configuration = .default,
            filesDirectory: String? = nil,
            filesPort: Int? = nil
        ) {
            self.port = port
            self.mainPath = mainPath
            self.configuration = configuration
            self.filesDirectory = filesDirectory
            self.filesPort = filesPort
        }
    }

    /// A siyi server: on a port of its own (any path) and/or at a path of the main listener.
    public struct SiyiOptions: Sendable {
        /// The server, with its handlers registered.
        public var server: SiyiServer
        /// Its own port (the siyi README's default is 8765); `nil`: none.
        public var port: Int?
        /// Its path on the main listener; `nil`: none.
        public var mainPath: String?

        /// Creates the options.
        public init(server: SiyiServer, port: Int? = 8765, mainPath: String? = "/siyi") {
            self.server = server
            self.port = port
            self.mainPath = mainPath
        }
    }
}
