import MsgPack

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WSLinkDemoProtocol {
    /// Largest `count` one `demo.flood` call may publish.
    public static let maxFloodCount = 1_000_000
    /// Largest `bin` of one `demo.flood` publish.
    public static let maxFloodSize = 1 << 20

    /// `demo.flood(topic="demo.flood", count=100, size=64, rate=0)`: the load generator's publish
    /// source (`switchboard-bench wslink-publish`). Publishes `{"i": i, "t": <CLOCK_MONOTONIC ns>,
    /// "bin": <size bytes>}` `count` times on `topic`, flat out (`rate` 0) or `rate` per second,
    /// then returns `{"published": count}`. `t` lets a client on the same machine measure
    /// publish-to-delivery latency; the Python demo server stamps it the same way.
    static func exposeFlood(on router: inout WSLinkRouter) {
        router.expose(
            "demo.flood",
            parameters: .init("topic", default: "demo.flood"), .init("count", default: 100), .init("size", default: 64), .init("rate", default: 0)
        ) { (context: WSLinkContext, topic: String, count: Int, size: Int, rate: Int) async throws -> MsgPackValue in
            guard (0...maxFloodCount).contains(count), (0...maxFloodSize).contains(size), rate >= 0 else {
                throw ValueError(message: "count must be in 0...\(maxFloodCount), size in 0...\(maxFloodSize), rate >= 0")
            }
            let blob = MsgPackValue.binary([UInt8](repeating: 0xAB, count: size))
            for i in 0..<count {
                try context.publisher.publish(topic, ["i": .integer(i), "t": .integer(monotonicNanoseconds()), "bin": blob])
                if rate > 0 { try await Task.sleep(for: .nanoseconds(1_000_000_000 / rate)) }
            }
            return ["published": .integer(count)]
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds (Python's `time.monotonic_ns()`).
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
