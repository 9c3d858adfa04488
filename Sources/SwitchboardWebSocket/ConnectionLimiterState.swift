/// The pure bookkeeping behind ``ConnectionLimiter``: open connections in all and per address,
/// upgrades per address in the current one-second window, and when each address was last
/// logged. Time is a parameter; nothing here locks, logs or touches a socket.
struct ConnectionLimiterState {
    /// Why a connection or upgrade was refused.
    enum Refusal: String, Sendable, Hashable {
        case totalLimit = "connection limit reached"
        case addressLimit = "per-address connection limit reached"
        case upgradeRate = "per-address upgrade rate exceeded"
    }

    /// A refusal and whether it is the first for its address in the log interval.
    struct Refused: Sendable, Hashable {
        var refusal: Refusal
        var shouldLog: Bool
    }

    let limits: ConnectionLimits
    /// How long refusals for one address stay quiet in the log after one was logged.
    let logInterval: Duration
    private(set) var open = 0
    private(set) var openByAddress: [String: Int] = [:]
    private var upgradeWindows: [String: (start: ContinuousClock.Instant, count: Int)] = [:]
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    private(set) var statistics = ConnectionLimiter.Statistics()

    init(limits: ConnectionLimits, logInterval: Duration = .seconds(60)) {
        self.limits = limits
        self.logInterval = logInterval
    }

    /// Admits a new connection from `address`, or says why not (it is then not counted as open).
    mutating func admitConnection(from address: String, now: ContinuousClock.Instant) -> Refused? {
        let fromAddress = openByAddress[address, default: 0]
        let refusal: Refusal? = open >= limits.maxConnections ? .totalLimit
            : fromAddress >= limits.maxConnectionsPerAddress && !isExempt(address) ? .addressLimit : nil
        guard let refusal else {
            open += 1
            openByAddress[address] = fromAddress + 1
            statistics.open = open
            statistics.accepted += 1
            return nil
        }
        return refuse(refusal, address: address, now: now)
    }

    /// A connection admitted by ``admitConnection(from:now:)`` has closed.
    mutating func releaseConnection(from address: String) {
        guard let count = openByAddress[address], count > 0 else { return }
        openByAddress[address] = count > 1 ? count - 1 : nil
        open -= 1
        statistics.open = open
    }

    /// Admits a WebSocket upgrade from `address` under the per-second rate, or says why not.
    mutating func admitUpgrade(from address: String, now: ContinuousClock.Instant) -> Refused? {
        let limit = limits.upgradesPerSecondPerAddress
        guard limit > 0, !isExempt(address) else { return nil }
        if upgradeWindows.count > 4096 { upgradeWindows = upgradeWindows.filter { now - $0.value.start < .seconds(1) } }
        var window = upgradeWindows[address] ?? (now, 0)
        if now - window.start >= .seconds(1) { window = (now, 0) }
        guard window.count < limit else {
            upgradeWindows[address] = window
            return refuse(.upgradeRate, address: address, now: now)
        }
        window.count += 1
        upgradeWindows[address] = window
        return nil
    }

    /// Counts an event the connection guard or the upgrade decision saw.
    mutating func record(_ event: ConnectionLimiter.Event) {
        switch event {
        case .headTimeout: statistics.headTimeouts += 1
        case .headTooLarge: statistics.headsTooLarge += 1
        case .originRefused: statistics.originRefused += 1
        }
    }

    private func isExempt(_ address: String) -> Bool {
        limits.exemptsLoopback && Self.isLoopback(address)
    }

    /// `127.0.0.0/8`, `::1`, or IPv4-mapped `::ffff:127.x.y.z`.
    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.lowercased().hasPrefix("::ffff:127.")
    }

    private mutating func refuse(_ refusal: Refusal, address: String, now: ContinuousClock.Instant) -> Refused {
        switch refusal {
        case .totalLimit: statistics.refusedTotalLimit += 1
        case .addressLimit: statistics.refusedAddressLimit += 1
        case .upgradeRate: statistics.refusedUpgradeRate += 1
        }
        if lastLogged.count > 4096 { lastLogged = lastLogged.filter { now - $0.value < logInterval } }
        let shouldLog = lastLogged[address].map { now - $0 >= logInterval } ?? true
        if shouldLog { lastLogged[address] = now }
        return Refused(refusal: refusal, shouldLog: shouldLog)
    }
}
