public import Logging
import Synchronization

/// Enforces ``ConnectionLimits`` for one server: counts open connections in all and per client
/// address, rate-limits upgrades per address, and keeps the counters `/stats` reports.
///
/// Shared by every listener of a transport (``WebSocketServerTransport/Configuration/limiter``);
/// create one yourself to read its ``statistics`` elsewhere (the CLI's `/stats` does).
/// Refusals are logged at warning level once per address and minute.
public final class ConnectionLimiter: Sendable {
    /// Counters since start (and the connections open now).
    public struct Statistics: Sendable, Hashable {
        /// Connections open now (admitted, not yet closed).
        public var open = 0
        /// Connections admitted since start.
        public var accepted = 0
        /// Connections refused with 503 because ``ConnectionLimits/maxConnections`` was reached.
        public var refusedTotalLimit = 0
        /// Connections refused with 503 because their address had
        /// ``ConnectionLimits/maxConnectionsPerAddress`` open.
        public var refusedAddressLimit = 0
        /// Upgrades refused with 429 (``ConnectionLimits/upgradesPerSecondPerAddress``).
        public var refusedUpgradeRate = 0
        /// Connections closed (408) because their request head did not arrive in time.
        public var headTimeouts = 0
        /// Connections closed (431) because their request head was too large.
        public var headsTooLarge = 0
        /// Upgrades refused with 403 because of their `Origin`.
        public var originRefused = 0

        /// Creates zeroed counters.
        public init() {}
    }

    /// Something the transport counts besides admissions.
    enum Event: Sendable {
        case headTimeout, headTooLarge, originRefused
    }

    /// The limits in force.
    public let limits: ConnectionLimits
    private let state: Mutex<ConnectionLimiterState>
    private let logger: Logger

    /// Creates a limiter; `logger` receives the once-per-address-and-minute refusal warnings.
    public init(limits: ConnectionLimits = .default, logger: Logger = Logger(label: "switchboard.limits")) {
        self.limits = limits
        self.state = Mutex(ConnectionLimiterState(limits: limits))
        self.logger = logger
    }

    /// The counters now.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Admits a new connection from `address`; false means refuse it with 503.
    func admitConnection(from address: String) -> Bool {
        let refused = state.withLock { $0.admitConnection(from: address, now: .now) }
        if let refused { log(refused, address: address) }
        return refused == nil
    }

    /// Releases a connection ``admitConnection(from:)`` admitted.
    func releaseConnection(from address: String) {
        state.withLock { $0.releaseConnection(from: address) }
    }

    /// Admits an upgrade from `address`; false means refuse it with 429.
    func admitUpgrade(from address: String) -> Bool {
        let refused = state.withLock { $0.admitUpgrade(from: address, now: .now) }
        if let refused { log(refused, address: address) }
        return refused == nil
    }

    func record(_ event: Event) {
        state.withLock { $0.record(event) }
    }

    private func log(_ refused: ConnectionLimiterState.Refused, address: String) {
        guard refused.shouldLog else { return }
        logger.warning(
            "refusing connections: \(refused.refusal.rawValue) (logged once per address and minute)",
            metadata: [
                "client.address": "\(address)",
                "limits.max_connections": "\(limits.maxConnections)",
                "limits.max_connections_per_address": "\(limits.maxConnectionsPerAddress)",
                "limits.upgrades_per_second_per_address": "\(limits.upgradesPerSecondPerAddress)",
            ]
        )
    }
}
