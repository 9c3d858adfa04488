import CoreMetrics

/// One connection's `switchboard_request_duration_seconds` timers, by method or command, each
/// resolved on its first use. A protocol's connection handler keeps one when the server records
/// metrics (``make(for:protocol:)`` is `nil` otherwise, so the hot path reads no clock).
///
/// Labels are the caller's to choose: only names the protocol knows (its router's methods,
/// its registered commands) should become labels, so a client cannot grow the metrics.
public struct RequestTimers {
    private let metrics: SwitchboardMetrics
    private let protocolName: String
    private var timers: [String: Timer] = [:]

    /// Timers for `session`'s protocol, or `nil` when nothing records metrics.
    public static func make(for session: Session, protocol name: String) -> RequestTimers? {
        guard let metrics = session.manager?.metrics, metrics.isRecording else { return nil }
        return RequestTimers(metrics: metrics, protocol: name)
    }

    /// Timers from `metrics` labelled with protocol `name`.
    public init(metrics: SwitchboardMetrics, protocol name: String) {
        self.metrics = metrics
        self.protocolName = name
    }

    /// Records the time from `started` to now under `label`.
    public mutating func record(_ label: String, since started: ContinuousClock.Instant) {
        let timer: Timer
        if let existing = timers[label] {
            timer = existing
        } else {
            timer = metrics.requestDuration(protocol: protocolName, method: label)
            timers[label] = timer
        }
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
