import Foundation
import NIOCore
import NIOPosix

/// A run that could not measure anything.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Opens the connections, waits for every handshake, measures one window, closes everything
/// and merges the per-loop figures.
struct BenchRunner {
    struct Settings: Sendable {
        var scenario: SwitchboardBench.Scenario
        var url: BenchURL
        /// Further nodes of a cluster: connection `i` uses the `i % n`-th of `url` and these.
        var alsoURLs: [BenchURL] = []
        var clients: Int
        var duration: Double
        var warmup: Double
        var serverPID: Int32?
        /// Further server processes whose CPU and memory count with `serverPID`'s.
        var alsoServerPIDs: [Int32] = []

        /// The URL connection `index` opens.
        func url(for index: Int) -> BenchURL {
            let position = index % (1 + alsoURLs.count)
            return position == 0 ? url : alsoURLs[position - 1]
        }

        /// Every measured server process.
        var serverPIDs: [Int32] { serverPID.map { [$0] + alsoServerPIDs } ?? [] }
        var payload: Int
        var binary: Bool
        var inflight: Int
        var rate: Int
        var batch: Int
        var listeners: Int
        var threads: Int
        var secret: String
        var idleProtocol: SwitchboardBench.IdleProtocol
        var connectTimeout: Double
        /// Seconds between the last handshake and the first message.
        var settle: Double = 0
    }

    /// At most this many connections between connect and ready, so a listen backlog never overflows.
    static let maxConnecting = 200

    let settings: Settings

    func run() throws -> BenchReport {
        ProcessSample.raiseFileLimit()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.threads)
        defer { try? group.syncShutdownGracefully() }
        let loops = Array(group.makeIterator())
        let phase = RunPhase()
        let stats = loops.map { _ in LoopStats(phase: phase) }
        let coordinator = RunCoordinator(phase: phase, expected: settings.clients, warmup: settings.warmup, duration: settings.duration, settle: settings.settle)
        let makeDriver = driverFactory()
        let serverBaseline = ProcessSample.read(pids: settings.serverPIDs)

        let openedAt = monotonicNanoseconds()
        let deadline = openedAt + UInt64(settings.connectTimeout * 1e9)
        for index in 0..<settings.clients {
            while index - coordinator.readyCount - coordinator.lostCount >= Self.maxConnecting, monotonicNanoseconds() < deadline {
                usleep(500)
            }
            connect(index: index, loop: loops[index % loops.count], stats: stats[index % loops.count], coordinator: coordinator, makeDriver: makeDriver)
        }
        while !coordinator.isSettled, monotonicNanoseconds() < deadline { usleep(1000) }
        let readyAt = monotonicNanoseconds()
        guard coordinator.hasStarted else {
            let merged = merge(stats, loops: loops)
            throw BenchFailure("only \(coordinator.readyCount) of \(settings.clients) connections became ready within \(settings.connectTimeout) s: \(merged.errorSamples)")
        }

        sleep(until: phase.start)
        let serverStart = ProcessSample.read(pids: settings.serverPIDs)
        let clientStart = ProcessSample.read(pid: getpid())
        sleep(until: phase.end)
        let serverEnd = ProcessSample.read(pids: settings.serverPIDs)
        let clientEnd = ProcessSample.read(pid: getpid())

        let connections = coordinator.connections
        for box in connections {
            box.eventLoop.execute { box.connection.close() }
        }
        usleep(200_000)
        var report = BenchReport(settings: settings, stats: merge(stats, loops: loops))
        report.ready = coordinator.readyCount
        report.lostConnections = coordinator.lostCount
        if let serverStart, let serverEnd {
            report.serverCPU = ProcessSample.cpuPercent(from: serverStart, to: serverEnd)
            report.serverRSS = serverEnd.rssKiB
        }
        if let clientStart, let clientEnd { report.clientCPU = ProcessSample.cpuPercent(from: clientStart, to: clientEnd) }
        if settings.scenario == .idleSessions {
            report.rampSeconds = Double(readyAt - openedAt) / 1e9
            report.serverBaselineRSS = serverBaseline?.rssKiB
        }
        return report
    }

    private func connect(
        index: Int,
        loop: any EventLoop,
        stats: LoopStats,
        coordinator: RunCoordinator,
        makeDriver: @escaping @Sendable (Int) -> any ScenarioDriver
    ) {
        let url = settings.url(for: index)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = BenchConnection(index: index, url: url, stats: stats, driver: makeDriver(index), coordinator: coordinator)
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: url.host, port: url.port)
            .whenFailure { error in
                stats.noteError("connection \(index): connect failed: \(error)")
                coordinator.connectionLost()
            }
    }

    private func driverFactory() -> @Sendable (Int) -> any ScenarioDriver {
        let settings = settings
        let interval: UInt64 = settings.rate > 0 ? UInt64(1e9 * Double(settings.clients) / Double(settings.rate)) : 0
        switch settings.scenario {
        case .echo:
            return { _ in EchoDriver(payloadSize: settings.payload, binary: settings.binary, inflight: settings.inflight, interval: interval) }
        case .wslinkRPC:
            let call: WSLinkRPCDriver.Call = settings.payload == 0 ? .add : .echo((0..<settings.payload).map { UInt8(truncatingIfNeeded: $0) })
            return { _ in WSLinkRPCDriver(call: call, secret: settings.secret, inflight: settings.inflight, interval: interval) }
        case .wslinkBinary:
            return { _ in WSLinkRPCDriver(call: .bytes(settings.payload), secret: settings.secret, inflight: settings.inflight, interval: 0) }
        case .wslinkPublish:
            let listeners = settings.listeners > 0 ? min(settings.listeners, settings.clients) : 0
            // The gate is the last subscriber, and in a cluster the last one on another node than
            // the publisher's (connection 0): flow control then waits for the cross-node path.
            var gateIndex = (listeners > 0 ? listeners : settings.clients) - 1
            while !settings.alsoURLs.isEmpty, gateIndex > 0, gateIndex % (1 + settings.alsoURLs.count) == 0 { gateIndex -= 1 }
            let gate = PublishGate(gateIndex: gateIndex)
            return { _ in
                WSLinkPublishDriver(secret: settings.secret, batch: settings.batch, size: settings.payload, rate: settings.rate, gate: gate, listeners: listeners)
            }
        case .crosscommForward:
            let run = String(UInt32.random(in: .min ... .max), radix: 16)
            return { index in CrossCommDriver(run: run, index: index, inflight: settings.inflight, payloadSize: settings.payload) }
        case .siyiRequest:
            return { _ in SiyiDriver(payloadSize: settings.payload, inflight: settings.inflight, interval: interval) }
        case .idleSessions:
            return { _ in IdleDriver(secret: settings.idleProtocol == .wslink ? settings.secret : nil) }
        }
    }

    private func merge(_ stats: [LoopStats], loops: [any EventLoop]) -> LoopStats {
        let total = LoopStats(phase: stats[0].phase)
        for (loop, loopStats) in zip(loops, stats) {
            try? loop.submit { total.merge(loopStats) }.wait()
        }
        return total
    }

    private func sleep(until nanos: UInt64) {
        let now = monotonicNanoseconds()
        if nanos > now { usleep(UInt32(min((nanos - now) / 1000, UInt64(UInt32.max)))) }
    }
}
