/// When a client reconnects after losing its connection: exponential backoff with jitter, a
/// maximum delay and an optional cap on attempts. Shared by every Swift client and mirrored by
/// the JavaScript client.
///
/// Attempt `n` (from 1) waits `min(maxDelay, initialDelay * multiplier^(n-1))`, scaled by a
/// random factor in `1 - jitter ... 1 + jitter` and clamped to `maxDelay` again.
public struct ReconnectPolicy: Sendable, Hashable {
    /// Delay before the first reconnect attempt.
    public var initialDelay: Duration
    /// Growth factor per attempt (≥ 1).
    public var multiplier: Double
    /// Upper bound for any delay.
    public var maxDelay: Duration
    /// Relative jitter in `0...1`; 0.2 spreads delays ±20 % so clients don't reconnect in step.
    public var jitter: Double
    /// Attempts before giving up; `nil` retries forever.
    public var maxAttempts: Int?

    /// Creates a policy, validating its ranges.
    public init(
        initialDelay: Duration = .milliseconds(500),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(30),
        jitter: Double = 0.2,
        maxAttempts: Int? = nil
    ) {
        precondition(initialDelay >= .zero && maxDelay >= initialDelay, "delays must satisfy 0 <= initial <= max")
        precondition(multiplier >= 1, "multiplier must be >= 1")
        precondition((0...1).contains(jitter), "jitter must be within 0...1")
        precondition(maxAttempts.map { $0 >= 0 } ?? true, "maxAttempts must not be negative")
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// 0.5 s doubling to 30 s, ±20 %, forever.
    public static let `default` = ReconnectPolicy()
    /// Never reconnect.
    public static let never = ReconnectPolicy(maxAttempts: 0)

    /// The delay before attempt `attempt` (1-based), with `random` in `0..<1` choosing the
    /// jitter; `nil` once attempts are exhausted.
    public func delay(beforeAttempt attempt: Int, random: Double) -> Duration? {
        precondition(attempt >= 1, "attempts count from 1")
        if let maxAttempts, attempt > maxAttempts { return nil }
        let base = min(seconds(maxDelay), seconds(initialDelay) * pow(multiplier, attempt - 1))
        let factor = 1 + jitter * (2 * random - 1)
        let jittered = min(seconds(maxDelay), max(0, base * factor))
        return .nanoseconds(Int64((jittered * 1e9).rounded()))
    }

    private func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// `base^exponent` for a non-negative integer exponent, saturating instead of overflowing.
    private func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(exponent, 1100) {
            result *= base
            if result > 1e12 { return result }
        }
        return result
    }
}

/// The reconnect state machine of one client: counts attempts and hands out delays.
/// Reset it when a connection succeeds.
public struct ReconnectBackoff: Sendable {
    /// The policy in force.
    public let policy: ReconnectPolicy
    /// Attempts made since the last success.
    public private(set) var attempts = 0

    /// Starts with no attempts made.
    public init(policy: ReconnectPolicy) {
        self.policy = policy
    }

    /// The delay before the next attempt, or `nil` when the policy says stop. `random` in
    /// `0..<1` picks the jitter, so tests can pass fixed values.
    public mutating func nextDelay(random: Double) -> Duration? {
        guard let delay = policy.delay(beforeAttempt: attempts + 1, random: random) else { return nil }
        attempts += 1
        return delay
    }

    /// The delay before the next attempt using the system random generator.
    public mutating func nextDelay() -> Duration? {
        nextDelay(random: Double.random(in: 0..<1))
    }

    /// Forgets past failures after a successful connection.
    public mutating func reset() {
        attempts = 0
    }
}
