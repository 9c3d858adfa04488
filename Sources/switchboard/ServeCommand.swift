import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import SwitchboardApplication
import SwitchboardCore
import SwitchboardWebSocket

/// `switchboard serve`: every protocol on its default port, with sensible defaults.
///
/// The flags are a contract that scripts and tests rely on; see the README.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve wslink, CrossComm and siyi over WebSocket, plus static content."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(name: [.long, .short], help: "Main port: wslink at /<ws-endpoint>, static content at /, echo at /echo ('off' to disable).")
    var port = PortOption.port(8080)

    @Option(name: .customLong("crosscomm-port"), help: "CrossComm port, any path ('off' to disable).")
    var crossCommPort = PortOption.port(9898)

    @Option(name: .customLong("crosscomm-files-port"), help: "HTTP port of CrossComm's file store ('off' to disable; default: the CrossComm port + 1, or 0/off with it).")
    var crossCommFilesPort: PortOption?

    @Option(name: .customLong("crosscomm-files"), help: "Directory of CrossComm's file store (default: switchboard-crosscomm-files in the temporary directory).")
    var crossCommFiles: String?

    @Option(name: .customLong("siyi-port"), help: "siyi port, any path ('off' to disable).")
    var siyiPort = PortOption.port(8765)

    @Option(help: "Directory served as static files on the main port (default: the js-client example page, when found; see DefaultContent).")
    var content: String?

    @Option(name: [.customLong("auth-key"), .customLong("authKey")], help: "Secret wslink clients must present in wslink.hello (wslink spells it --authKey).")
    var authKey = "wslink-secret"

    @Option(name: .customLong("ws-endpoint"), help: "Path of the wslink endpoint on the main port.")
    var wsEndpoint = "ws"

    @Option(help: "Exit after this many seconds without any session (0 = never).")
    var timeout: Double = 0

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; enables wss:// and https:// on every port (TLS 1.2+, ECDHE+AEAD ciphers; SIGHUP reloads it and --tls-key).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("ping-interval"), help: "Seconds between WebSocket pings; a peer silent through one more interval is closed (0 = no pings).")
    var pingInterval: Double = 30

    @Option(name: .customLong("max-message-size"), help: "Largest inbound message in bytes; larger ones close with 1009.")
    var maxMessageSize = 16 << 20

    @Flag(name: .customLong("no-compression"), help: "Do not offer permessage-deflate.")
    var noCompression = false

    @Option(name: .customLong("queue-max-messages"), help: "Most messages queued for one session before --queue-overflow applies.")
    var queueMaxMessages = OutboundQueuePolicy.default.maxMessages

    @Option(name: .customLong("queue-max-bytes"), help: "Most bytes queued for one session before --queue-overflow applies.")
    var queueMaxBytes = OutboundQueuePolicy.default.maxBytes

    @Option(name: .customLong("queue-overflow"), help: "What a full session queue does: close (4002), drop-newest or drop-oldest.")
    var queueOverflow = QueueOverflowOption.close

    @Flag(name: .customLong("stats"), help: "Serve session counters and queue occupancy as JSON at GET /stats on the main port.")
    var stats = false

    @Flag(name: .customLong("metrics"), help: "Serve Prometheus metrics (switchboard_*) at GET /metrics on the main port.")
    var metrics = false

    @OptionGroup(title: "Timeouts, limits and origins")
    var hardening: HardeningOptions

    @OptionGroup(title: "Cluster")
    var cluster: ClusterOptions

    @OptionGroup(title: "State and offline queue")
    var state: StateOptions

    @OptionGroup(title: "File store (OSS-compatible)")
    var files: FilesOptions

    @OptionGroup(title: "Authenticated identities (opt-in)")
    var auth: AuthOptions

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let content, !FileManager.default.fileExists(atPath: content) {
            throw ValidationError("--content directory \(content) does not exist")
        }
        if timeout < 0 || pingInterval < 0 { throw ValidationError("durations must not be negative") }
        if maxMessageSize < 1024 { throw ValidationError("--max-message-size must be at least 1024") }
        if queueMaxMessages < 1 || queueMaxBytes < 1 { throw ValidationError("--queue-max-messages and --queue-max-bytes must be positive") }
        if stats && port == .off { throw ValidationError("--stats is served on the main port, which is off") }
        if metrics && port == .off { throw ValidationError("--metrics is served on the main port, which is off") }
        if Logger.Level(rawValue: logLevel.lowercased()) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if [port, crossCommPort, siyiPort].allSatisfy({ $0 == .off }) {
            throw ValidationError("every port is off: nothing to serve")
        }
    }

    func run() async throws {
        let logger = makeLogger()
        // Before the session table exists: it resolves its metrics through MetricsSystem.
        let registry = metrics ? SwitchboardApplication.bootstrapPrometheus() : nil
        let sessions = SessionManager(
            queuePolicy: OutboundQueuePolicy(maxMessages: queueMaxMessages, maxBytes: queueMaxBytes, overflow: queueOverflow.overflow),
            logger: logger
        )
        let limiter = ConnectionLimiter(limits: hardening.limits, logger: logger)
        warnAboutExposure(logger: logger)
        files.announce(host: host, filesOn: resolvedFilesPort != .off, logger: logger)
        let stateStore = StateStoreBox()
        var configuration = try applicationConfiguration(sessions: sessions, limiter: limiter, stateStore: stateStore, logger: logger)
        configuration.metrics = registry
        try await auth.apply(to: &configuration, siyi: siyiServerConfiguration, logger: logger)
        let application = try SwitchboardApplication(configuration: configuration, sessions: sessions, logger: logger)
        // With --state, the hub's table and queue come back before anyone connects; the store
        // runs first so that it stops last, after the clients went offline.
        let store = try await state.restore(application.crossCommHub, logger: logger)
        stateStore.attach(store: store, hub: application.crossCommHub)
        // With --cluster, the protocols publish to and hear from the other nodes through the broker.
        var clusterable: [any ProtocolAdapter] = []
        if let wslink = application.wslink { clusterable.append(wslink) }
        if let hub = application.crossCommHub { clusterable.append(hub) }
        if let siyi = configuration.siyi?.server { clusterable.append(siyi) }
        let stored: [ServiceGroupConfiguration.ServiceConfiguration] = store.map { [.init(service: $0)] } ?? []
        let services = try stored + cluster.attach(clusterable, sessions: sessions, logger: logger) + [.init(service: application)]
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }

    var wsEndpointPath: String {
        "/" + wsEndpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// The file store's port: as given, else beside the CrossComm port (9898 → 9899), and
    /// following it to 0 (tests) or off.
    private var resolvedFilesPort: PortOption {
        if let crossCommFilesPort { return crossCommFilesPort }
        switch crossCommPort {
        case .off: return .off
        case .port(0): return .port(0)
        case .port(let number): return .port(number == 65535 ? 0 : number + 1)
        }
    }

    /// The flags as a ``SwitchboardApplication/Configuration``: wslink (the demo protocol) at
    /// `--ws-endpoint`, echo, `/crosscomm` and `/siyi` on the main port, with `/paraview/` and
    /// (with `--stats`) `/stats`; the hub, its file store and siyi on their own ports.
    func applicationConfiguration(
        sessions: SessionManager,
        limiter: ConnectionLimiter = ConnectionLimiter(),
        stateStore: StateStoreBox = StateStoreBox(),
        logger: Logger
    ) throws -> SwitchboardApplication.Configuration {
        var configuration = SwitchboardApplication.Configuration(host: host, port: port.number)
        let tls = tlsCert.flatMap { cert in tlsKey.map { TLSFiles(certificateChainPath: cert, privateKeyPath: $0) } }
        configuration.tls = tls
        // SIGHUP reads --tls-cert/--tls-key again without dropping sessions.
        configuration.tlsReloadSignal = tls != nil ? .sighup : nil
        configuration.wslink = wslinkOptions()
        configuration.echoPath = "/echo"
        configuration.staticFiles = content ?? DefaultContent.directory()
        configuration.crossComm = .init(
            port: crossCommPort.number,
            mainPath: "/crosscomm",
            configuration: crossCommHubConfiguration,
            filesDirectory: crossCommFiles,
            filesPort: resolvedFilesPort.number
        )
        configuration.crossComm?.files = files.configuration()
        configuration.siyi = .init(server: siyiServer(logger: logger), port: siyiPort.number, mainPath: "/siyi")
        if port != .off {
            configuration.httpEndpoints = [wslinkLauncherEndpoint(secure: tls != nil)] + (stats ? [statsEndpoint(sessions: sessions, limiter: limiter, crossComm: stateStore)] : [])
        }
        configuration.maxMessageSize = maxMessageSize
        configuration.compression = !noCompression
        configuration.ping = pingInterval > 0
            ? HeartbeatPolicy(interval: .milliseconds(Int64(pingInterval * 1000)), timeout: .milliseconds(Int64(pingInterval * 1000)))
            : nil
        configuration.queuePolicy = sessions.queuePolicy
        configuration.idleTimeout = timeout > 0 ? .milliseconds(Int64(timeout * 1000)) : nil
        configuration.limiter = limiter
        configuration.originPolicy = hardening.originPolicy
        configuration.corsOrigins = hardening.corsOrigins
        return configuration
    }

    private func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "switchboard")
    }
}
