import Foundation
import Histogram

/// The figures of one run and how they are printed.
struct BenchReport {
    let settings: BenchRunner.Settings
    let stats: LoopStats
    var ready = 0
    var lostConnections = 0
    var serverCPU: Double?
    var serverRSS: Int?
    var clientCPU: Double?
    var rampSeconds: Double?
    var serverBaselineRSS: Int?

    init(settings: BenchRunner.Settings, stats: LoopStats) {
        self.settings = settings
        self.stats = stats
    }

    private var isIdle: Bool { settings.scenario == .idleSessions }

    /// Operations per second in the window (idle-sessions: sessions opened per second).
    var rate: Double {
        if isIdle { return Double(stats.completed) / max(rampSeconds ?? 1, 1e-9) }
        return Double(stats.completed) / settings.duration
    }

    /// A run that measured nothing (or lost connections) fails, so scripts notice.
    var failed: Bool { stats.errors > 0 || stats.completed == 0 }

    private func milliseconds(_ percentile: Double) -> String {
        guard stats.latency.totalCount > 0 else { return "0.000" }
        return String(format: "%.3f", Double(stats.latency.valueAtPercentile(percentile)) / 1e6)
    }

    /// Human-readable lines before the contract line.
    var details: [String] {
        var lines = [
            "switchboard-bench \(settings.scenario.rawValue) → \(settings.url): \(ready)/\(settings.clients) connections ready, "
                + "\(settings.threads) threads, \(isIdle ? "settled" : "measured") \(settings.duration) s"
                + (isIdle ? "" : " after \(settings.warmup) s warm-up"),
        ]
        lines.append(String(format: "  %d operations, %.1f/s; latency ms p50 %@ p90 %@ p99 %@ max %@", stats.completed, rate,
                            milliseconds(50), milliseconds(90), milliseconds(99), milliseconds(100)))
        if stats.bytes > 0 { lines.append(String(format: "  %.1f MB/s", megabytesPerSecond)) }
        for sample in stats.errorSamples { lines.append("  error: \(sample)") }
        return lines
    }

    var megabytesPerSecond: Double { Double(stats.bytes) / settings.duration / 1e6 }

    /// `scenario=… msgs_per_s=… p50_ms=… p99_ms=… errors=…` then the extra fields.
    var contractLine: String {
        var fields = [
            "scenario=\(settings.scenario.rawValue)",
            String(format: "msgs_per_s=%.1f", rate),
            "p50_ms=\(milliseconds(50))",
            "p99_ms=\(milliseconds(99))",
            "errors=\(stats.errors)",
            "p90_ms=\(milliseconds(90))",
            "max_ms=\(milliseconds(100))",
            "clients=\(settings.clients)",
            "ready=\(ready)",
            "payload=\(settings.payload)",
            "threads=\(settings.threads)",
        ]
        if !settings.alsoURLs.isEmpty { fields.append("nodes=\(1 + settings.alsoURLs.count)") }
        if settings.scenario == .wslinkBinary || settings.scenario == .echo {
            fields.append(String(format: "mb_per_s=%.1f", megabytesPerSecond))
        }
        if let serverCPU { fields.append(String(format: "server_cpu_pct=%.1f", serverCPU)) }
        if let serverRSS { fields.append("server_rss_kib=\(serverRSS)") }
        if let clientCPU { fields.append(String(format: "client_cpu_pct=%.1f", clientCPU)) }
        if isIdle, let serverRSS, let serverBaselineRSS, ready > 0 {
            fields.append("server_baseline_rss_kib=\(serverBaselineRSS)")
            fields.append(String(format: "rss_per_session_kib=%.2f", Double(serverRSS - serverBaselineRSS) / Double(ready)))
        }
        if let serverCPU, !isIdle { fields.append("client_bound=\(serverCPU < 90 ? "yes" : "no")") }
        return fields.joined(separator: " ")
    }
}
