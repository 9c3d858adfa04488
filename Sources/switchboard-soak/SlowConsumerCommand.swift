import ArgumentParser
import CrossComm
import Foundation
import Logging
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardWebSocket
import Synchronization

/// `switchboard-soak slow-consumer`: a CrossComm publisher floods `all` while receivers read
/// flat out, once without and once with an extra receiver whose path is stalled (a
/// ``StallingProxy`` that stops reading). Prints each receiver group's throughput and latency
/// for both runs, the difference, and what the server spent on the stalled session.
struct SlowConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "slow-consumer", abstract: "Receivers' throughput and latency with and without one stalled receiver.")

    @Option(help: "Receivers that read flat out.")
    var receivers = 3

    @Option(help: "Messages the publisher sends per run.")
    var messages = 20_000

    @Option(help: "Bytes of text per message.")
    var bytes = 1024

    @Option(help: "Messages per second the publisher sends (0: as fast as its socket takes them). Below the server's capacity, latency is the server's forwarding delay; at 0 it is the depth of the backlog.")
    var rate = 0

    @Option(help: "Runs of each kind (alternating); medians are reported.")
    var rounds = 3

    @Option(name: .customLong("queue-max-messages"), help: "Passed to switchboard serve.")
    var queueMaxMessages = 4096

    @Option(name: .customLong("queue-overflow"), help: "Passed to switchboard serve: close, drop-newest or drop-oldest.")
    var queueOverflow = "close"

    @Option(help: "The switchboard executable (default: beside this one).")
    var server: String?

    struct Result {
        var throughput: Double      // messages per second per receiver (mean over receivers)
        var p50: Double             // ms
        var p99: Double             // ms
        var peakRSSGrowth: Int      // bytes over the RSS before the flood
        var serverCPU: Double       // seconds of server CPU from the first send to the last arrival
        var stats: JSONValue?
    }

    func run() async throws {
        say("slow-consumer: \(receivers) receivers, \(messages) messages × \(bytes) B, \(rate > 0 ? "\(rate)/s" : "flood"), policy \(queueMaxMessages) messages / \(queueOverflow), \(rounds) rounds")
        var baseline: [Result] = []
        var stalled: [Result] = []
        for round in 1...rounds {
            for withStalled in [false, true] {
                let result = try await measure(stalledReceiver: withStalled)
                if withStalled { stalled.append(result) } else { baseline.append(result) }
                say("round \(round) \(withStalled ? "with stalled" : "baseline    "): "
                      + String(format: "%8.0f msg/s per receiver  p50 %7.2f ms  p99 %7.2f ms  server RSS +%.1f MiB  CPU %.2f s", result.throughput, result.p50, result.p99, mib(result.peakRSSGrowth), result.serverCPU)
                      + (withStalled ? "  dropped \(result.stats?["dropped_frames"]?.intValue ?? -1), overflow closes \(result.stats?["overflow_closes"]?.intValue ?? -1)" : ""))
            }
        }
        let base = median(baseline)
        let slow = median(stalled)
        say(String(format: "median baseline:     %8.0f msg/s  p50 %7.2f ms  p99 %7.2f ms  server CPU %.2f s", base.throughput, base.p50, base.p99, base.serverCPU))
        say(String(format: "median with stalled: %8.0f msg/s  p50 %7.2f ms  p99 %7.2f ms  server CPU %.2f s", slow.throughput, slow.p50, slow.p99, slow.serverCPU))
        say(String(format: "difference: throughput %+.1f %%, p50 %+.1f %%, p99 %+.1f %%",
                     percent(slow.throughput, base.throughput), percent(slow.p50, base.p50), percent(slow.p99, base.p99)))
    }

    private func median(_ results: [Result]) -> Result {
        func mid(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        return Result(
            throughput: mid(results.map(\.throughput)), p50: mid(results.map(\.p50)), p99: mid(results.map(\.p99)),
            peakRSSGrowth: results.map(\.peakRSSGrowth).max() ?? 0, serverCPU: mid(results.map(\.serverCPU)), stats: nil
        )
    }

    private func percent(_ value: Double, _ reference: Double) -> Double { (value - reference) / reference * 100 }

    private func measure(stalledReceiver: Bool) async throws -> Result {
        let logger = Logger(label: "switchboard.slow-consumer") { _ in SwiftLogNoOpLogHandler() }
        let process = try await ServerProcess.start(
            binary: server.map { URL(fileURLWithPath: $0) },
            // No permessage-deflate: the padding would compress to nothing and never load the socket.
            extraArguments: ["--log-level", "error", "--queue-max-messages", "\(queueMaxMessages)", "--queue-overflow", queueOverflow, "--no-compression"]
        )
        do {
            return try await measure(process, stalledReceiver: stalledReceiver, logger: logger)
        } catch {
            await process.stopAndClean()
            throw error
        }
    }

    private func measure(_ process: ServerProcess, stalledReceiver: Bool, logger: Logger) async throws -> Result {
        let proxy = try await StallingProxy.start(targetPort: process.ports.crossComm)
        func client(_ id: String, url: String) -> CrossCommClient {
            let transport = WebSocketClientTransport(configuration: .init(url: url), logger: logger)
            return CrossCommClient(transport: transport, configuration: .init(clientID: id, reconnect: .never, handlerBufferSize: 1 << 20), logger: logger)
        }
        let origin = ContinuousClock.now
        let publisher = client("publisher", url: process.crossCommURL)
        let recorders = (0..<receivers).map { _ in LatencyRecorder(capacity: messages) }
        let fast = recorders.enumerated().map { index, recorder in
            let receiver = client("receiver-\(index)", url: process.crossCommURL)
            receiver.onMessage(type: .text, from: "publisher") { message in
                guard let text = message.text, let sent = Int64(text.prefix { $0 != " " }) else { return }
                let arrival = ContinuousClock.now - origin
                recorder.record(latency: arrival.nanoseconds - sent, arrival: arrival)
            }
            return receiver
        }
        let stalled = stalledReceiver ? client("stalled", url: "ws://127.0.0.1:\(proxy.port)/") : nil
        stalled?.onMessage { _ in }
        for receiver in [publisher] + fast + (stalled.map { [$0] } ?? []) { try await receiver.login(timeout: .seconds(20)) }
        proxy.stall()

        let start = ProcessProbe.sample(pid: process.pid)
        let before = start?.residentBytes ?? 0
        let ticksBefore = start?.cpuTicks ?? 0
        let peak = PeakGauge(before)
        let sampler = Task { [pid = process.pid] in
            while !Task.isCancelled {
                if let rss = ProcessProbe.sample(pid: pid)?.residentBytes { peak.raise(to: rss) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let padding = String(repeating: "x", count: max(0, bytes - 24))
        let started = ContinuousClock.now
        for index in 0..<messages {
            if rate > 0 {
                // Pacing against the schedule, not per message, so a late send is caught up.
                let due = started + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(rate))
                if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            }
            try await publisher.send("\((ContinuousClock.now - origin).nanoseconds) \(padding)")
        }
        try await withTimeout(.seconds(300), "receivers got every message") {
            var polls = 0
            while !recorders.allSatisfy({ $0.count == messages }) {
                try await Task.sleep(for: .milliseconds(5))
                polls += 1
                guard polls % 40 == 0 else { continue }
                // A reading receiver closed for overflow will never get the rest: say so now.
                let closes = try await process.stats()["overflow_closes"]?.intValue ?? 0
                if closes > (stalledReceiver ? 1 : 0) {
                    throw ValidationError("a reading receiver was closed for overflow: the publisher outran it; lower --rate or raise --queue-max-messages")
                }
            }
        }
        sampler.cancel()
        let serverCPU = Double((ProcessProbe.sample(pid: process.pid)?.cpuTicks ?? 0) - ticksBefore) / Double(ProcessProbe.ticksPerSecond)
        let elapsed = recorders.map { Double(($0.lastArrival - (started - origin)).nanoseconds) / 1e9 }
        let throughput = elapsed.map { Double(messages) / $0 }.reduce(0, +) / Double(receivers)
        let latencies = recorders.flatMap(\.latencies).sorted()
        let stats = try? await process.stats()
        for client in [publisher] + fast + (stalled.map { [$0] } ?? []) { await client.logout() }
        await proxy.shutdown()
        await process.stopAndClean()
        return Result(
            throughput: throughput,
            p50: Double(latencies[latencies.count / 2]) / 1e6,
            p99: Double(latencies[min(latencies.count - 1, latencies.count * 99 / 100)]) / 1e6,
            peakRSSGrowth: peak.value - before,
            serverCPU: serverCPU,
            stats: stats
        )
    }
}

/// The largest value seen. Lock: `peak` (a `Mutex`).
final class PeakGauge: Sendable {
    private let peak: Mutex<Int>
    init(_ initial: Int) { peak = Mutex(initial) }
    var value: Int { peak.withLock { $0 } }
    func raise(to candidate: Int) { peak.withLock { $0 = max($0, candidate) } }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// One receiver's latencies and last arrival. Lock: `state` (a `Mutex`).
final class LatencyRecorder: Sendable {
    private struct State {
        var latencies: [Int64] = []
        var lastArrival: Duration = .zero
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        var initial = State()
        initial.latencies.reserveCapacity(capacity)
        state = Mutex(initial)
    }

    func record(latency: Int64, arrival: Duration) {
        state.withLock { state in
            state.latencies.append(latency)
            state.lastArrival = max(state.lastArrival, arrival)
        }
    }

    var count: Int { state.withLock { $0.latencies.count } }
    var latencies: [Int64] { state.withLock { $0.latencies } }
    var lastArrival: Duration { state.withLock { $0.lastArrival } }
}
