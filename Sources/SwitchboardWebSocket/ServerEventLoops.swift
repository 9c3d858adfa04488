#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import NIOCore
import NIOPosix

/// The event loops the WebSocket server runs its connections on: one thread per CPU this
/// process may run on.
///
/// NIO's singleton group counts the machine's cores (and cgroup limits), not the process's CPU
/// affinity, so a server started with `taskset -c 0` ran two loop threads taking turns on one
/// core: every tenth of its requests waited a scheduler slice (p99 4 ms instead of 0.4 ms,
/// BENCHMARKS.md) and a CrossComm forward between two connections on different loops cost a
/// cross-thread hop. This group is sized from the affinity mask; like the singleton it lives as
/// long as the process. `NIO_SINGLETON_GROUP_LOOP_COUNT`, when set, keeps NIO's own singleton.
public enum ServerEventLoops {
    /// The shared group; created on first use.
    public static let group: any EventLoopGroup = {
        if getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") != nil {
            return MultiThreadedEventLoopGroup.singleton
        }
        return MultiThreadedEventLoopGroup(numberOfThreads: threadCount)
    }()

    /// CPUs in this process's affinity mask, capped by what NIO counts (cgroup quotas included).
    public static var threadCount: Int {
        max(1, min(System.coreCount, affinityCPUCount ?? System.coreCount))
    }

    /// Bits set in `Cpus_allowed` of `/proc/self/status` (the affinity mask as the kernel
    /// prints it; `sched_getaffinity` itself is not visible to Swift without `_GNU_SOURCE`).
    private static var affinityCPUCount: Int? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            guard text.hasPrefix("Cpus_allowed:") else { continue }
            let count = text.dropFirst("Cpus_allowed:".count).reduce(0) { sum, character in
                sum + (character.hexDigitValue?.nonzeroBitCount ?? 0)
            }
            return count > 0 ? count : nil
        }
        return nil
        #else
        return nil
        #endif
    }
}
