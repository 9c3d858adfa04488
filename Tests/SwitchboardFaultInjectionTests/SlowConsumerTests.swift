import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardTesting
import Synchronization
import Testing

/// One CrossComm receiver stops reading (its path stalls in a ``StallingProxy``, so the
/// server's socket to it fills up) while a publisher floods everyone: the others receive
/// everything, the stalled session's queue stays within the policy, and the policy's outcome
/// is counted in `/stats` and logged once.
@Suite("Slow consumer", .timeLimit(.minutes(2)))
struct SlowConsumerTests {
    /// 1600 × 16 KiB = 25 MiB per receiver: far more than the kernel buffers a stalled
    /// loopback socket absorbs (a few MiB) plus the queue, so the stalled queue must overflow.
    let messageCount = 1600
    let messageBytes = 16 << 10
    let queueLimit = 256
    /// The publisher waits while a fast receiver lags this far behind, so only the stalled
    /// receiver can ever fill its queue (a debug build's readers share two cores with the flood).
    let maxLag = 96

    @Test("close policy: the stalled session is closed with 4002 once, counted and logged once; others get everything")
    func closePolicy() async throws {
        let run = try await flood(overflow: "close")
        try await run.checking {
            let stats = try await run.server.waitForStats(timeout: .seconds(20), "stalled session closed") {
                $0.count("overflow_closes") == 1 && $0.count("sessions_by_adapter", "crosscomm") == 3
            }
            #expect(stats.count("dropped_frames") == 0)
            #expect(run.server.log().occurrences(of: "closing: outbound queue overflowed") == 1)
        }
    }

    @Test("drop policy: the stalled session keeps at most its queue, every drop is counted, logged once; others get everything")
    func dropPolicy() async throws {
        let run = try await flood(overflow: "drop-newest")
        try await run.checking {
            let stats = try await run.server.stats()
            let dropped = stats.count("dropped_frames")
            #expect(dropped > 0)
            #expect(stats.count("overflow_closes") == 0)
            #expect(stats.count("sessions_by_adapter", "crosscomm") == 4)
            #expect(stats.count("largest_queue_frames") <= queueLimit)
            #expect(run.server.log().occurrences(of: "dropped a frame: outbound queue full") == 1)

            // Once the path flows again the stalled client gets exactly what was not dropped.
            run.proxy.resume()
            try await waitUntil(.seconds(60), "stalled client drained") { run.slowReceived.value + dropped == messageCount }
            #expect(run.slowReceived.value + dropped == messageCount)
        }
    }

    // MARK: - Harness

    struct Run: Sendable {
        let server: ServerProcess
        let proxy: StallingProxy
        let clients: [CrossCommClient]
        let slowReceived: Counter

        func cleanUp() async {
            for client in clients { await client.logout() }
            await proxy.shutdown()
            await server.stopAndClean()
        }

        /// Runs the checks, then cleans up (also when they throw).
        func checking(_ checks: () async throws -> Void) async throws {
            do {
                try await checks()
            } catch {
                await cleanUp()
                throw error
            }
            await cleanUp()
        }
    }

    /// Starts a server with the given overflow policy, logs in a publisher, two fast receivers
    /// and one behind a stalled proxy, floods, and waits until both fast receivers have every
    /// message in order.
    private func flood(overflow: String) async throws -> Run {
        let server = try await ServerProcess.start(extraArguments: [
            // Without compression: the padding would deflate to almost nothing and fit in the
            // kernel's buffers, and the queue would never fill.
            "--queue-max-messages", "\(queueLimit)", "--queue-overflow", overflow, "--log-level", "warning", "--no-compression",
        ])
        let proxy: StallingProxy
        do {
            proxy = try await StallingProxy.start(targetPort: server.ports.crossComm)
        } catch {
            await server.stopAndClean()
            throw error
        }
        let publisher = crossCommClient(server.crossCommURL, id: "publisher")
        let fast = ["fast-1", "fast-2"].map { crossCommClient(server.crossCommURL, id: $0) }
        let slow = crossCommClient("ws://127.0.0.1:\(proxy.port)/", id: "slow")
        let fastReceived = fast.map { _ in Counter() }
        let outOfOrder = Counter()
        for (client, counter) in zip(fast, fastReceived) {
            client.onMessage(type: .text, from: "publisher") { message in
                if message.text?.hasPrefix("\(counter.value):") != true { outOfOrder.increment() }
                counter.increment()
            }
        }
        let slowReceived = Counter()
        slow.onMessage(type: .text, from: "publisher") { _ in slowReceived.increment() }
        let run = Run(server: server, proxy: proxy, clients: [publisher, slow] + fast, slowReceived: slowReceived)
        do {
            try await send(run: run, publisher: publisher, slow: slow, fast: fast, fastReceived: fastReceived, outOfOrder: outOfOrder)
        } catch {
            await run.cleanUp()
            throw error
        }
        return run
    }

    private func send(
        run: Run, publisher: CrossCommClient, slow: CrossCommClient, fast: [CrossCommClient], fastReceived: [Counter], outOfOrder: Counter
    ) async throws {
        let (server, proxy) = (run.server, run.proxy)
        for client in [publisher, slow] + fast { try await client.login(timeout: .seconds(20)) }

        proxy.stall()
        let padding = String(repeating: "x", count: messageBytes)
        for i in 0..<messageCount {
            try await publisher.send("\(i):\(padding)", to: CrossCommMessage.everyone)
            if i - (fastReceived.map(\.value).min() ?? 0) >= maxLag {
                try await waitUntil(.seconds(30), "fast receivers caught up to \(i)") {
                    i - (fastReceived.map(\.value).min() ?? 0) < maxLag / 2
                }
            }
        }
        do {
            try await waitUntil(.seconds(60), "fast receivers got every message") {
                fastReceived.allSatisfy { $0.value == messageCount }
            }
        } catch {
            let stats = (try? await server.stats())?.encoded() ?? "-"
            Issue.record("fast receivers got \(fastReceived.map(\.value)) of \(messageCount); /stats \(stats)")
            throw error
        }
        #expect(outOfOrder.value == 0)
    }
}

/// A counter shared with handlers.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}

extension String {
    func occurrences(of needle: String) -> Int {
        components(separatedBy: needle).count - 1
    }
}
