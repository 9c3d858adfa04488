import Foundation
import SwitchboardFaultInjection

/// CPU time and resident memory of a process at one instant (``ProcessProbe`` reads /proc).
struct ProcessSample: Sendable {
    /// utime + stime in clock ticks.
    var cpuTicks: Int
    /// VmRSS in KiB.
    var rssKiB: Int
    var taken: UInt64

    /// `nil` when the process does not exist (or /proc is not readable).
    static func read(pid: Int32) -> ProcessSample? {
        guard let probe = ProcessProbe.sample(pid: pid) else { return nil }
        return ProcessSample(cpuTicks: probe.cpuTicks, rssKiB: probe.residentBytes / 1024, taken: monotonicNanoseconds())
    }

    /// The sum over `pids` (CPU and memory of a cluster's nodes); `nil` without pids or when
    /// one is gone.
    static func read(pids: [Int32]) -> ProcessSample? {
        let samples = pids.compactMap { read(pid: $0) }
        guard !pids.isEmpty, samples.count == pids.count else { return nil }
        return ProcessSample(cpuTicks: samples.map(\.cpuTicks).reduce(0, +), rssKiB: samples.map(\.rssKiB).reduce(0, +), taken: monotonicNanoseconds())
    }

    /// Percent of one core used between two samples.
    static func cpuPercent(from start: ProcessSample, to end: ProcessSample) -> Double {
        let seconds = Double(end.taken - start.taken) / 1e9
        guard seconds > 0 else { return 0 }
        return Double(end.cpuTicks - start.cpuTicks) / ProcessProbe.ticksPerSecond / seconds * 100
    }

    /// CPUs this process may run on (its affinity, as `taskset` sets it).
    static func allowedCPUCount() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return max(1, ProcessInfo.processInfo.activeProcessorCount)
        }
        var count = 0
        for part in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2 { count += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { count += 1 }
        }
        return max(1, count)
    }

    /// Raises the soft open-file limit to the hard one (idle-sessions opens thousands of sockets).
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
