public import CrossComm
import Foundation
public import Logging
public import ServiceLifecycle
public import SwitchboardCore
public import SwitchboardWebSocket
public import UnixSignals
public import WSLink

/// A whole Switchboard server in one value: listeners and routes, the wslink protocol and its
/// publisher, static files, a CrossComm hub, a siyi server, TLS, limits and metrics, run as
/// one `Service`. `switchboard serve` is built on it.
///
/// ```swift
/// var router = WSLinkRouter()
/// router.expose("demo.add", parameters: "a", "b") { (a: Int, b: Int) in a + b }
/// var configuration = SwitchboardApplication.Configuration(port: 8080)
/// configuration.wslink = .init(router: router, configuration: .init(secret: "wslink-secret"))
/// configuration.staticFiles = "Public"
/// configuration.crossComm = .init(port: 9898)
/// let app = try SwitchboardApplication(configuration: configuration, logger: Logger(label: "app"))
/// try await app.runWithSignals()
/// ```
///
/// Listeners are named `main`, `crosscomm`, `crosscomm-files` and `siyi`; adapters `wslink`,
/// `crosscomm`, `siyi` and `echo`. Graceful shutdown (SIGTERM/SIGINT with
/// ``runWithSignals(_:)``, or the surrounding service group's) closes every session with 1001
/// after flushing its queue.
public struct SwitchboardApplication: Service {
    /// The configuration in force.
    public let configuration: Configuration
    /// The session table every adapter shares.
    public let sessions: SessionManager
    /// The WebSocket transport (ask it for ``boundListeners()`` when using port 0).
    public let transport: WebSocketServerTransport
    /// The wslink adapter, when ``Configuration/wslink`` is set; publish with its `publisher`.
    public let wslink: WSLinkServerAdapter?
    /// The CrossComm hub, when ``Configuration/crossComm`` is set.
    public let crossCommHub: CrossCommHub?
    /// The logger given at creation.
    public let logger: Logger
    private let server: SwitchboardServer<WebSocketServerTransport>

    /// Creates the application; nothing is bound until ``run()``.
    ///
    /// - Parameter sessions: the session table to use; by default one with
    ///   ``Configuration/queuePolicy`` (metrics go to `MetricsSystem`'s factory).
    /// - Throws: ``SwitchboardCore/SwitchboardError`` (`invalidConfiguration`) when the
    ///   configuration cannot be served (metrics or echo without a main listener, a file store
    ///   directory that cannot be created).
    public init(configuration: Configuration, sessions: SessionManager? = nil, logger: Logger) throws {
        let sessions = sessions ?? SessionManager(queuePolicy: configuration.queuePolicy, logger: logger)
        let wslink = configuration.wslink.map {
            WSLinkServerAdapter(router: $0.router, configuration: $0.configuration, logger: logger)
        }
        let hub = configuration.crossComm.map { CrossCommHub(configuration: $0.configuration, logger: logger) }
        var adapters: [any ProtocolAdapter] = configuration.adapters
        if configuration.echoPath != nil { adapters.append(EchoAdapter()) }
        if let wslink { adapters.append(wslink) }
        if let hub { adapters.append(hub) }
        if let siyi = configuration.siyi { adapters.append(siyi.server) }
        self.configuration = configuration
        self.sessions = sessions
        self.wslink = wslink
        self.crossCommHub = hub
        self.logger = logger
        let transport = WebSocketServerTransport(configuration: try Self.transportConfiguration(configuration, sessions: sessions), logger: logger)
        self.transport = transport
        self.server = SwitchboardServer(transport: transport, adapters: adapters, sessions: sessions, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation (or until ``Configuration/idleTimeout``
    /// passes without sessions). Throws when a listener cannot bind or a route names an
    /// adapter the application does not have.
    public func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if configuration.announce {
            let announcer = ListenerAnnouncer(transport: transport, wslinkAdapter: wslink?.name, readyLine: configuration.readyLine)
            services.append(.init(service: announcer, successTerminationBehavior: .ignore))
        }
        if let signal = configuration.tlsReloadSignal, configuration.tls != nil {
            services.append(.init(
                service: TLSReloadService(transport: transport, signal: signal, logger: logger),
                successTerminationBehavior: .ignore
            ))
        }
        if let idleTimeout = configuration.idleTimeout {
            services.append(.init(
                service: IdleExitService(sessions: sessions, timeout: idleTimeout, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup
            ))
        }
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
    }

    /// Runs the application in a service group that shuts down gracefully on `signals` — the
    /// usual way to run it from `main`.
    public func runWithSignals(_ signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        try await ServiceGroup(configuration: .init(
            services: [.init(service: self)],
            gracefulShutdownSignals: signals,
            logger: logger
        )).run()
    }

    /// Reads the TLS certificate chain and key again: new connections get the new certificate,
    /// open ones keep theirs; files that cannot be loaded are logged once and the previous
    /// certificate stays. Returns whether everything was reloaded
    /// (``SwitchboardWebSocket/WebSocketServerTransport/reloadTLSCertificates()``).
    @discardableResult
    public func reloadTLSCertificates() -> Bool {
        transport.reloadTLSCertificates()
    }

    /// Waits until every listener is bound and returns them with their real ports.
    public func boundListeners() async throws -> [BoundListener] {
        try await transport.boundListeners()
    }

    /// Sends swift-log's output to standard error at `level` (call once, before creating loggers).
    public static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
