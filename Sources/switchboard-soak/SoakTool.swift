import ArgumentParser
import Foundation

/// `switchboard-soak`: the robustness drivers of issue 8, against a real `switchboard serve`.
///
/// - `churn`: minutes of connect/call/publish/disconnect at random (fixed seed) over wslink,
///   CrossComm and siyi, sampling the server's RSS, fds, threads and sessions; fails past
///   its stated bounds (`scripts/soak.sh` runs it against a release build).
/// - `slow-consumer`: receivers' throughput and latency with and without one stalled
///   receiver (the figures in ROBUSTNESS.md).
@main
struct SoakTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-soak",
        abstract: "Soak and slow-consumer drivers for switchboard serve.",
        subcommands: [ChurnCommand.self, SlowConsumerCommand.self]
    )
}

/// Prints a line unbuffered: the samples are meant to be watched live, also through a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
