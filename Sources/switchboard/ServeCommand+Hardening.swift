import ArgumentParser
import Foundation
import CrossComm
import Logging
import Siyi
import SwitchboardCore
import SwitchboardWebSocket

/// `switchboard serve`'s timeouts, connection limits and origin checks (SECURITY.md): one
/// option group so `ServeCommand` only holds hooks.
struct HardeningOptions: ParsableArguments {
    @Option(name: .customLong("request-head-timeout"), help: "Seconds a connection may take to send its first request head (then 408 and close).")
    var requestHeadTimeout: Double = 10

    @Option(name: .customLong("keep-alive-timeout"), help: "Seconds an idle HTTP keep-alive connection is kept open.")
    var keepAliveTimeout: Double = 60

    @Option(name: .customLong("max-request-head-size"), help: "Largest request head in bytes (then 431 and close).")
    var maxRequestHeadSize = ConnectionLimits.default.maxRequestHeadBytes

    @Option(name: .customLong("max-connections"), help: "Most connections open at once on all ports (further ones get 503).")
    var maxConnections = ConnectionLimits.default.maxConnections

    @Option(name: .customLong("max-connections-per-address"), help: "Most connections open at once from one client address (further ones get 503).")
    var maxConnectionsPerAddress = ConnectionLimits.default.maxConnectionsPerAddress

    @Option(name: .customLong("max-upgrades-per-second"), help: "Most WebSocket upgrades per second from one client address (further ones get 429; 0 = no limit).")
    var maxUpgradesPerSecond = ConnectionLimits.default.upgradesPerSecondPerAddress

    @Flag(name: .customLong("limit-loopback"), help: "Apply the per-address limits to loopback clients too (by default they are exempt: local tools, a reverse proxy on this host).")
    var limitLoopback = false

    @Option(name: .customLong("crosscomm-login-timeout"), help: "Seconds a CrossComm connection may take to log in (then 1008; 0 = wait forever).")
    var crossCommLoginTimeout: Double = 30

    @Option(name: .customLong("siyi-handshake-timeout"), help: "Seconds a siyi connection may go without sending an accepted message (then 1008; 0 = wait forever).")
    var siyiHandshakeTimeout: Double = 90

    @Option(
        name: .customLong("allowed-origins"),
        help: "Comma-separated browser origins (scheme://host[:port], 'null', '*' for any) allowed to open WebSockets besides the same host and loopback pages."
    )
    var allowedOrigins: String?

    @Option(
        name: .customLong("cors-origin"),
        help: "Browser origin (scheme://host[:port], 'null' or '*') whose pages may call the launcher (/paraview/) and the CrossComm file store across origins (CORS); repeatable. Default: none (no CORS headers)."
    )
    var corsOrigins: [String] = []

    func validate() throws {
        if requestHeadTimeout <= 0 || keepAliveTimeout <= 0 {
            throw ValidationError("--request-head-timeout and --keep-alive-timeout must be positive")
        }
        if crossCommLoginTimeout < 0 || siyiHandshakeTimeout < 0 { throw ValidationError("handshake timeouts must not be negative") }
        if maxRequestHeadSize < 1024 { throw ValidationError("--max-request-head-size must be at least 1024") }
        if maxConnections < 1 || maxConnectionsPerAddress < 1 {
            throw ValidationError("--max-connections and --max-connections-per-address must be positive")
        }
        if maxUpgradesPerSecond < 0 { throw ValidationError("--max-upgrades-per-second must not be negative") }
        for entry in originEntries {
            if case .exact(let text) = entry, text != "null", !text.contains("://") {
                throw ValidationError("--allowed-origins: '\(text)' is not scheme://host[:port], 'null' or '*'")
            }
        }
        for origin in corsOrigins where origin != "*" && origin != "null" && !origin.contains("://") {
            throw ValidationError("--cors-origin: '\(origin)' is not scheme://host[:port], 'null' or '*'")
        }
    }

    /// The limits the flags describe.
    var limits: ConnectionLimits {
        ConnectionLimits(
            requestHeadTimeout: .milliseconds(Int64(requestHeadTimeout * 1000)),
            keepAliveIdleTimeout: .milliseconds(Int64(keepAliveTimeout * 1000)),
            maxRequestHeadBytes: maxRequestHeadSize,
            maxConnections: maxConnections,
            maxConnectionsPerAddress: maxConnectionsPerAddress,
            upgradesPerSecondPerAddress: maxUpgradesPerSecond,
            exemptsLoopback: !limitLoopback
        )
    }

    /// `--allowed-origins` plus loopback pages (same-host pages are always allowed).
    var originPolicy: OriginPolicy {
        OriginPolicy(allowed: [.loopback] + originEntries)
    }

    private var originEntries: [OriginPolicy.Entry] {
        (allowedOrigins ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            $0 == "*" ? .any : .exact($0)
        }
    }

    private static func duration(_ seconds: Double) -> Duration? {
        seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : nil
    }

    var crossCommLogin: Duration? { Self.duration(crossCommLoginTimeout) }
    var siyiHandshake: Duration? { Self.duration(siyiHandshakeTimeout) }
}

extension ServeCommand {
    /// Warns when the server listens beyond loopback with the well-known default wslink secret.
    func warnAboutExposure(logger: Logger) {
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) || host.hasPrefix("127.")
        if !loopback && authKey == "wslink-secret" && port != .off {
            logger.warning("serving beyond loopback with the default wslink secret: set --auth-key", metadata: ["host": "\(host)"])
        }
    }

    /// CrossComm's hub configuration with `--crosscomm-login-timeout`.
    var crossCommHubConfiguration: CrossCommHub.Configuration {
        var configuration = CrossCommHub.Configuration.default
        configuration.loginTimeout = hardening.crossCommLogin
        configuration.offlineQueue = state.offlineQueuePolicy
        return configuration
    }

    /// siyi's server configuration with `--siyi-handshake-timeout`.
    var siyiServerConfiguration: SiyiServer.Configuration {
        var configuration = SiyiServer.Configuration.default
        configuration.handshakeTimeout = hardening.siyiHandshake
        return configuration
    }

    /// The `connections` object of `/stats`: the limiter's counters.
    static func connectionStatsJSON(_ statistics: ConnectionLimiter.Statistics) -> JSONValue {
        func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }
        return .object([
            .init(key: "open", value: int(statistics.open)),
            .init(key: "accepted", value: int(statistics.accepted)),
            .init(key: "refused_total_limit", value: int(statistics.refusedTotalLimit)),
            .init(key: "refused_address_limit", value: int(statistics.refusedAddressLimit)),
            .init(key: "refused_upgrade_rate", value: int(statistics.refusedUpgradeRate)),
            .init(key: "head_timeouts", value: int(statistics.headTimeouts)),
            .init(key: "heads_too_large", value: int(statistics.headsTooLarge)),
            .init(key: "origin_refused", value: int(statistics.originRefused)),
        ])
    }
}
