import Foundation

/// What Linux reports about a running process (`/proc/<pid>`): resident memory, open file
/// descriptors, threads and CPU time. The soak run, the slow-consumer checks and
/// `switchboard-bench` sample it.
public struct ProcessProbe: Sendable, Hashable, CustomStringConvertible {
    /// Resident set size in bytes (`VmRSS`).
    public var residentBytes: Int
    /// Entries in `/proc/<pid>/fd`.
    public var openFileDescriptors: Int
    /// `Threads` from `/proc/<pid>/status`.
    public var threads: Int
    /// User + system CPU time in clock ticks (`utime` + `stime` of `/proc/<pid>/stat`).
    public var cpuTicks: Int

    /// Clock ticks per second, the unit of ``cpuTicks``.
    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Samples `pid`; `nil` when the process is gone or `/proc` is unavailable.
    public static func sample(pid: Int32) -> ProcessProbe? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        var rss = 0
        var threads = 0
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            switch fields[0] {
            case "VmRSS:": rss = (Int(fields[1]) ?? 0) * 1024
            case "Threads:": threads = Int(fields[1]) ?? 0
            default: break
            }
        }
        // Fields after "(comm)" (which may hold spaces): utime and stime are fields 14 and 15.
        var cpuTicks = 0
        if let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12 { cpuTicks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) }
        }
        return ProcessProbe(residentBytes: rss, openFileDescriptors: fds.count, threads: threads, cpuTicks: cpuTicks)
    }

    /// `rss 41.2 MiB, fds 23, threads 5`.
    public var description: String {
        String(format: "rss %.1f MiB, fds %d, threads %d", Double(residentBytes) / 1_048_576, openFileDescriptors, threads)
    }
}
