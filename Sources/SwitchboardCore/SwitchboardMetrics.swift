public import CoreMetrics

/// Switchboard's metrics, emitted through swift-metrics (bootstrap `MetricsSystem` with a
/// Prometheus factory, or pass a factory to ``SessionManager/init(queuePolicy:drainTimeout:metricsFactory:logger:)``).
///
/// | name | type | labels |
/// |---|---|---|
/// | `switchboard_sessions_open` | gauge | `protocol` |
/// | `switchboard_connections_opened_total` | counter | `protocol` |
/// | `switchboard_connections_closed_total` | counter | `protocol`, `code` (the close code the server sent, or `peer` when the peer closed or vanished) |
/// | `switchboard_messages_in_total`, `switchboard_messages_out_total` | counter | `protocol` |
/// | `switchboard_bytes_in_total`, `switchboard_bytes_out_total` | counter | `protocol` |
/// | `switchboard_request_duration_seconds` | histogram | `protocol`, `method` (wslink RPC method, siyi command) |
/// | `switchboard_auth_failures_total` | counter | `protocol` |
/// | `switchboard_queue_dropped_frames_total` | counter | — |
/// | `switchboard_queue_overflow_closes_total` | counter | — |
///
/// Metric objects are resolved once — per adapter when the server starts, per connection and
/// method for request timers — so the per-message path only increments counters.
public struct SwitchboardMetrics: Sendable {
    /// The factory every metric comes from.
    public let factory: any MetricsFactory

    /// Uses `factory` (by default, whatever `MetricsSystem` was bootstrapped with).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Whether anything records these metrics (not swift-metrics' no-op factory): hot paths
    /// skip measuring time when nothing would keep it.
    public var isRecording: Bool { !(factory is NOOPMetricsHandler) }

    /// `switchboard_auth_failures_total{protocol}`: a client presented wrong credentials.
    public func authFailures(protocol name: String) -> Counter {
        Counter(label: "switchboard_auth_failures_total", dimensions: [("protocol", name)], factory: factory)
    }

    /// `switchboard_request_duration_seconds{protocol,method}`: how long a request took to answer.
    public func requestDuration(protocol name: String, method: String) -> Timer {
        Timer(label: "switchboard_request_duration_seconds", dimensions: [("protocol", name), ("method", method)], factory: factory)
    }

    func adapter(_ name: String) -> AdapterMetrics {
        AdapterMetrics(name: name, metrics: self)
    }
}

/// The per-protocol metrics every connection of one adapter shares.
final class AdapterMetrics: Sendable {
    let name: String
    let metrics: SwitchboardMetrics
    let sessionsOpen: Meter
    let connectionsOpened: Counter
    let messagesIn: Counter
    let bytesIn: Counter
    let messagesOut: Counter
    let bytesOut: Counter

    init(name: String, metrics: SwitchboardMetrics) {
        let dimensions = [("protocol", name)]
        let factory = metrics.factory
        self.name = name
        self.metrics = metrics
        sessionsOpen = Meter(label: "switchboard_sessions_open", dimensions: dimensions, factory: factory)
        connectionsOpened = Counter(label: "switchboard_connections_opened_total", dimensions: dimensions, factory: factory)
        messagesIn = Counter(label: "switchboard_messages_in_total", dimensions: dimensions, factory: factory)
        bytesIn = Counter(label: "switchboard_bytes_in_total", dimensions: dimensions, factory: factory)
        messagesOut = Counter(label: "switchboard_messages_out_total", dimensions: dimensions, factory: factory)
        bytesOut = Counter(label: "switchboard_bytes_out_total", dimensions: dimensions, factory: factory)
        // Present from the start (at 0), whether or not the protocol authenticates.
        _ = metrics.authFailures(protocol: name)
    }

    func opened() {
        connectionsOpened.increment()
        sessionsOpen.increment()
    }

    func closed(code: CloseCode?) {
        sessionsOpen.decrement()
        let label = code.map { "\($0.rawValue)" } ?? "peer"
        Counter(label: "switchboard_connections_closed_total", dimensions: [("protocol", name), ("code", label)], factory: metrics.factory).increment()
    }

    func received(_ frame: Frame) {
        messagesIn.increment()
        bytesIn.increment(by: frame.byteCount)
    }

    func sent(_ frame: Frame) {
        messagesOut.increment()
        bytesOut.increment(by: frame.byteCount)
    }
}
