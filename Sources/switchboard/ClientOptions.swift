import ArgumentParser
import Logging
import SwitchboardCore
import SwitchboardWebSocket

/// The transport of every client command: WebSocket, observed for error messages.
typealias CLITransport = ObservedTransport<WebSocketClientTransport>

/// The options every client command shares (`wslink call`, `crosscomm send`, `siyi listen`, …):
/// how long to wait, how to trust a `wss://` server, how much to log on stderr.
struct ClientOptions: ParsableArguments {
    @Option(help: "Seconds to connect and get the answer; listeners with --count also get this long for the messages.")
    var timeout: Double = 10

    @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates to trust for wss:// (default: the system's).")
    var caFile: String?

    @Flag(help: "Do not verify the server's certificate on wss:// (testing only).")
    var insecure = false

    @Option(help: "Bearer token (a JWT) for servers with authenticated identities: sent on the upgrade (Authorization: Bearer), as the wslink hello secret and as the CrossComm login token.")
    var token: String?

    @Option(name: .customLong("log-level"), help: "Log level of the client library on stderr: trace, debug, info, notice, warning, error or critical (failures are reported either way).")
    var logLevel = "critical"

    func validate() throws {
        guard timeout > 0, timeout <= 1_000_000 else {
            throw ValidationError("--timeout must be a positive number of seconds, at most 1000000")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if insecure, caFile != nil {
            throw ValidationError("--insecure and --ca-file exclude each other")
        }
    }

    /// `--timeout` as a duration.
    var timeLimit: Duration { .milliseconds(Int64((timeout * 1000).rounded(.up))) }

    /// A logger writing to stderr at `--log-level` (stdout carries only JSON).
    func makeLogger(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .critical
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    /// The WebSocket transport to `url`, wrapped so a command can tell why a connection failed.
    func transport(url: String, logger: Logger) -> CLITransport {
        let trust: WebSocketClientTransport.TrustPolicy
        if insecure {
            trust = .insecureNoVerification
        } else if let caFile {
            trust = .certificates(pemPath: caFile)
        } else {
            trust = .system
        }
        var configuration = WebSocketClientTransport.Configuration(
            url: url,
            // A one-shot command should not hang on a peer that never answers the close.
            closeTimeout: min(timeLimit, .seconds(5)),
            trust: trust
        )
        configuration.bearerToken = token
        return ObservedTransport(base: WebSocketClientTransport(configuration: configuration, logger: logger), url: url)
    }
}
