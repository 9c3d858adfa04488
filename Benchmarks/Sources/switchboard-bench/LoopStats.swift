import Histogram
import NIOCore
import Synchronization

/// Monotonic nanoseconds (CLOCK_MONOTONIC, the clock Python's `time.monotonic_ns` and the
/// servers' publish timestamps use too).
@inline(__always)
func monotonicNanoseconds() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// The measured window: set once, when every connection is ready.
final class RunPhase: Sendable {
    private let startNanos = Atomic<UInt64>(.max)
    private let endNanos = Atomic<UInt64>(.max)

    var start: UInt64 { startNanos.load(ordering: .acquiring) }
    var end: UInt64 { endNanos.load(ordering: .acquiring) }

    func set(start: UInt64, end: UInt64) {
        endNanos.store(end, ordering: .releasing)
        startNanos.store(start, ordering: .releasing)
    }

    /// Whether a completion at `now` counts.
    @inline(__always)
    func measures(_ now: UInt64) -> Bool { now >= start && now < end }

    /// Whether new work may still be started at `now`.
    @inline(__always)
    func isRunning(_ now: UInt64) -> Bool { now < end }
}

/// Counters and latencies of the connections of ONE event loop. Only that loop touches it
/// while the run is going, so it needs no lock; the runner reads it on the loop at the end.
final class LoopStats: @unchecked Sendable {
    let phase: RunPhase
    private(set) var latency = LoopStats.makeHistogram()
    private(set) var completed = 0
    private(set) var bytes = 0
    private(set) var errors = 0
    private(set) var lost = 0
    private(set) var errorSamples: [String] = []

    init(phase: RunPhase) { self.phase = phase }

    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// One operation finished at `now`; `startedAt` is when it was sent (or published).
    @inline(__always)
    func complete(startedAt: UInt64, now: UInt64, bytes: Int = 0) {
        guard phase.measures(now) else { return }
        completed += 1
        self.bytes += bytes
        _ = latency.record(now > startedAt ? now - startedAt : 1)
    }

    /// One operation finished at `now` whose latency is not known (sampled elsewhere).
    @inline(__always)
    func complete(now: UInt64, bytes: Int = 0) {
        guard phase.measures(now) else { return }
        completed += 1
        self.bytes += bytes
    }

    /// Bytes that arrived at `now` (throughput scenarios count bytes as they come).
    @inline(__always)
    func received(bytes count: Int, now: UInt64) {
        if phase.measures(now) { bytes += count }
    }

    /// A latency sample without counting an operation.
    @inline(__always)
    func sample(latency nanos: UInt64, now: UInt64) {
        if phase.measures(now) { _ = latency.record(max(nanos, 1)) }
    }

    /// A session set-up time (idle-sessions), counted whatever the phase.
    func recordSetup(latency nanos: UInt64) {
        completed += 1
        _ = latency.record(max(nanos, 1))
    }

    func noteLost(_ count: Int) { lost += count }

    func noteError(_ description: String) {
        errors += 1
        if errorSamples.count < 5 { errorSamples.append(description) }
    }

    /// Adds another loop's figures to these (the runner merges after the run).
    func merge(_ other: LoopStats) {
        latency.add(other.latency)
        completed += other.completed
        bytes += other.bytes
        errors += other.errors
        lost += other.lost
        errorSamples.append(contentsOf: other.errorSamples.prefix(max(0, 5 - errorSamples.count)))
    }
}
