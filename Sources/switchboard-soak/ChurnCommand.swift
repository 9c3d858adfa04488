import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardFaultInjection

/// `switchboard-soak churn`: starts `switchboard serve`, churns connections across the three
/// protocols with a fixed seed, prints the server's resources every interval and checks them
/// against the bounds below (exit status 1 past any of them).
///
/// Bounds, measured on the server process:
/// - RSS: no sample after the warm-up sample (the one at 60 s, or the first for short runs)
///   exceeds it by more than `--rss-growth-mib` (default 32 MiB);
/// - threads: never more than the idle count at start + `--thread-slack` (default 8);
/// - after the drivers stop: sessions return to 0, and open fds to the idle count at start
///   + `--fd-slack` (default 4).
struct ChurnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "churn", abstract: "Connect/call/publish/disconnect churn against switchboard serve.")

    @Option(help: "How long to churn.")
    var minutes: Double = 10

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 1

    @Option(help: "Concurrent churn workers.")
    var workers = 12

    @Option(help: "Comma-separated protocols to churn: wslink, crosscomm, siyi.")
    var protocols = "wslink,crosscomm,siyi"

    @Option(help: "Seconds between samples.")
    var interval: Double = 30

    @Option(help: "The switchboard executable (default: beside this one).")
    var server: String?

    @Option(name: .customLong("rss-growth-mib"), help: "Allowed RSS growth over the warm-up sample, in MiB.")
    var rssGrowthMiB = 32

    @Option(name: .customLong("thread-slack"), help: "Allowed threads over the idle count.")
    var threadSlack = 8

    @Option(name: .customLong("fd-slack"), help: "Allowed open fds over the idle count once drained.")
    var fdSlack = 4

    func run() async throws {
        let logger = Logger(label: "switchboard.soak") { _ in SwiftLogNoOpLogHandler() }
        let chosen = protocols.split(separator: ",").compactMap { ChurnWorker.ChurnProtocol(rawValue: String($0)) }
        guard !chosen.isEmpty else { throw ValidationError("--protocols names none of wslink, crosscomm, siyi") }
        let process = try await ServerProcess.start(binary: server.map { URL(fileURLWithPath: $0) }, extraArguments: ["--log-level", "error"])
        do {
            try await churn(process, logger: logger, protocols: chosen)
        } catch {
            await process.stopAndClean()
            throw error
        }
        await process.stopAndClean()
    }

    private func churn(_ process: ServerProcess, logger: Logger, protocols chosen: [ChurnWorker.ChurnProtocol]) async throws {
        guard let idle = ProcessProbe.sample(pid: process.pid) else { throw ValidationError("cannot read /proc/\(process.pid)") }
        say("switchboard serve pid \(process.pid) (\(process.binary.path)); idle: \(idle)")
        say("churn: \(workers) workers, seed \(seed), \(minutes) min, \(chosen.map(\.rawValue).joined(separator: "+")), sample every \(Int(interval)) s")

        let tally = ChurnTally()
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(minutes * 60_000))
        let workerTasks = (0..<workers).map { index in
            Task {
                var worker = ChurnWorker(
                    index: index, wslinkURL: process.wslinkURL, crossCommURL: process.crossCommURL, siyiURL: process.siyiURL,
                    protocols: chosen, tally: tally, logger: logger, random: SeededGenerator(seed: seed &+ UInt64(index) &* 7919)
                )
                await worker.run(until: deadline)
            }
        }

        var samples: [(elapsed: Int, probe: ProcessProbe)] = []
        let every = Duration.milliseconds(Int64(interval * 1000))
        var next = start + every
        while next <= deadline {
            try await Task.sleep(until: next)
            let elapsed = Int((next - start).components.seconds)
            guard let probe = ProcessProbe.sample(pid: process.pid) else { throw ValidationError("the server exited: \(process.log().suffix(2000))") }
            samples.append((elapsed, probe))
            let stats = try? await process.stats()
            say(line(elapsed: elapsed, probe: probe, stats: stats, tally: tally))
            next = next + every
        }
        for task in workerTasks { await task.value }

        // Drained: every client is gone, so the server must be back to its idle footprint.
        let drained = try? await process.waitForStats(timeout: .seconds(20), "sessions drained") { $0["sessions"]?.intValue == 0 }
        guard let final = ProcessProbe.sample(pid: process.pid) else { throw ValidationError("the server exited") }
        let elapsed = Int((ContinuousClock.now - start).components.seconds)
        say(line(elapsed: elapsed, probe: final, stats: drained, tally: tally) + "  (drained)")

        var failures: [String] = []
        if drained == nil { failures.append("sessions did not return to 0 within 20 s of the drivers stopping") }
        if final.openFileDescriptors > idle.openFileDescriptors + fdSlack {
            failures.append("open fds after draining \(final.openFileDescriptors) > idle \(idle.openFileDescriptors) + \(fdSlack)")
        }
        let maxThreads = (samples.map(\.probe.threads) + [final.threads]).max() ?? 0
        if maxThreads > idle.threads + threadSlack { failures.append("threads reached \(maxThreads) > idle \(idle.threads) + \(threadSlack)") }
        if let warm = samples.first(where: { $0.elapsed >= 60 }) ?? samples.first {
            let limit = warm.probe.residentBytes + rssGrowthMiB << 20
            let later = samples.filter { $0.elapsed > warm.elapsed }.map(\.probe) + [final]
            if let worst = later.max(by: { $0.residentBytes < $1.residentBytes }), worst.residentBytes > limit {
                failures.append(String(format: "RSS reached %.1f MiB > warm-up %.1f MiB + %d MiB", mib(worst.residentBytes), mib(warm.probe.residentBytes), rssGrowthMiB))
            }
            say(String(format: "bounds: RSS ≤ %.1f MiB (warm-up at %d s + %d MiB), threads ≤ %d, fds after drain ≤ %d, sessions after drain = 0",
                         mib(limit), warm.elapsed, rssGrowthMiB, idle.threads + threadSlack, idle.openFileDescriptors + fdSlack))
        }
        let operations = tally.value(tally.operations)
        if operations == 0 { failures.append("no operation completed") }
        let errors = tally.value(tally.unexpectedErrors)
        say("churn: \(tally.value(tally.connections)) connections (\(tally.value(tally.abrupt)) left mid-call), \(operations) calls, \(tally.value(tally.publishes)) publishes, \(errors) unexpected errors\(tally.lastUnexpected.map { " (last: \($0))" } ?? "")")
        if failures.isEmpty {
            say("soak: PASS")
        } else {
            for failure in failures { say("soak: FAIL \(failure)") }
            throw ExitCode(1)
        }
    }

    private func line(elapsed: Int, probe: ProcessProbe, stats: JSONValue?, tally: ChurnTally) -> String {
        let sessions = stats?["sessions"]?.intValue.map(String.init) ?? "?"
        let byAdapter = stats?["sessions_by_adapter"]?.objectValue?.map { "\($0.key) \($0.value.intValue ?? 0)" }.joined(separator: ", ") ?? ""
        let opened = stats?["opened"]?.intValue.map(String.init) ?? "?"
        let resources = String(format: "[%4d s] rss %6.1f MiB  fds %4d  threads %3d", elapsed, mib(probe.residentBytes), probe.openFileDescriptors, probe.threads)
        return resources + "  sessions \(sessions) (\(byAdapter))  opened \(opened)  calls \(tally.value(tally.operations))  errors \(tally.value(tally.unexpectedErrors))"
    }
}

func mib(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }
