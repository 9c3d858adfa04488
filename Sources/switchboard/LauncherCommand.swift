import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardLauncher
import SwitchboardWebSocket
import UnixSignals

/// `switchboard launcher launcher.config`: a session manager compatible with
/// `python -m wslink.launcher` (same configuration file, same answers), plus the
/// `/proxy?sessionId=<id>&path=ws` session proxy on the same port.
struct LauncherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launcher",
        abstract: "Start one process per session from a wslink launcher.config, and proxy to them."
    )

    @Argument(help: "wslink launcher configuration (JSON with // and /* */ comments).")
    var config: String

    @Option(help: "Address to bind (default: configuration.host).")
    var host: String?

    @Option(help: "Port to bind (default: configuration.port; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Flag(name: [.short, .long], help: "Log debugging messages (like wslink.launcher's --debug).")
    var debug = false

    @Option(
        name: .customLong("allowed-origins"),
        help: "Comma-separated browser origins (scheme://host[:port], 'null', '*' for any) allowed to use the launch endpoint besides the same host and loopback pages; others get 403."
    )
    var allowedOrigins: String?

    @Option(
        name: .customLong("cors-origin"),
        help: "Browser origin whose pages may read the launch endpoint's answers across origins (CORS); repeatable. Default: none."
    )
    var corsOrigins: [String] = []

    /// `--allowed-origins` and `--cors-origin` as the endpoint's access policy.
    var access: LauncherAccess {
        let entries: [OriginPolicy.Entry] = (allowedOrigins ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { $0 == "*" ? .any : .exact($0) }
        return LauncherAccess(
            originPolicy: OriginPolicy(allowed: [.loopback] + entries),
            cors: corsOrigins.isEmpty ? nil : .launcher(origins: corsOrigins)
        )
    }

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535") }
        let origins = (allowedOrigins ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in origins + corsOrigins where origin != "*" && origin != "null" && !origin.contains("://") {
            throw ValidationError("'\(origin)' is not scheme://host[:port], 'null' or '*'")
        }
        if Logger.Level(rawValue: logLevel.lowercased()) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let configuration: LauncherConfiguration
        do {
            configuration = try LauncherConfiguration(contentsOf: config)
        } catch {
            throw ValidationError("\(config): \(error.message)")
        }
        let level = debug ? .debug : (Logger.Level(rawValue: logLevel.lowercased()) ?? .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "switchboard.launcher")
        let server = LauncherServer(configuration: configuration, host: host, port: port, access: access, logger: logger) { url in
            // Unbuffered: scripts read this line from a pipe to learn the port.
            FileHandle.standardOutput.write(Data("launcher listening on \(url)\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
