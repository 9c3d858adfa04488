import CoreMetrics
import Synchronization
import SwitchboardCore

extension WSLinkPublisher {
    /// What the publisher did since it was created.
    public struct Statistics: Sendable, Hashable {
        /// Publishes nobody on this node listened to (nothing was encoded or sent).
        public var skippedPublishes: Int
        /// Messages encoded for publishes: one per generation and distinct filter that had
        /// recipients, however many sessions shared it.
        public var encodedPublishes: Int
        /// Publishes queued for a client.
        public var deliveries: Int
    }

    final class Counters: Sendable {
        let skipped = Atomic<Int>(0)
        let encodes = Atomic<Int>(0)
        let deliveries = Atomic<Int>(0)
    }

    /// Counters since creation (tests and `/stats` read them).
    public var statistics: Statistics {
        Statistics(
            skippedPublishes: counters.skipped.load(ordering: .relaxed),
            encodedPublishes: counters.encodes.load(ordering: .relaxed),
            deliveries: counters.deliveries.load(ordering: .relaxed)
        )
    }

    /// `switchboard_wslink_publishes_skipped_total{protocol,topic}`: nobody listened.
    func recordSkipped(_ topic: String) {
        guard let metrics = sessionMetrics, metrics.isRecording else { return }
        Counter(label: "switchboard_wslink_publishes_skipped_total", dimensions: [("protocol", adapter), ("topic", topic)], factory: metrics.factory).increment()
    }

    /// `switchboard_wslink_publish_deliveries_total{protocol,topic}`: publishes queued for clients.
    func recordDeliveries(_ topic: String, _ count: Int) {
        guard count > 0, let metrics = sessionMetrics, metrics.isRecording else { return }
        Counter(label: "switchboard_wslink_publish_deliveries_total", dimensions: [("protocol", adapter), ("topic", topic)], factory: metrics.factory)
            .increment(by: count)
    }
}
