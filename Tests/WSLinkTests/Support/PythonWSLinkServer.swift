import Foundation
import SwitchboardCore
import SwitchboardTesting
import Synchronization
@testable import WSLink

/// Runs a demo server of the spec (§18) on the real Python wslink, port 0, for one test.
///
/// The interpreters come from `SWITCHBOARD_WSLINK2_PYTHON` / `SWITCHBOARD_WSLINK1_PYTHON`
/// (set by scripts/test, which creates `.venv-wslink2` and `.venv-wslink1`); without them the
/// test fails with instructions rather than skipping.
struct PythonWSLinkServer {
    let url: String

    static func interpreter(for generation: WSLinkGeneration) throws -> URL {
        let variable = generation == .v2 ? "SWITCHBOARD_WSLINK2_PYTHON" : "SWITCHBOARD_WSLINK1_PYTHON"
        let venv = generation == .v2 ? ".venv-wslink2" : ".venv-wslink1"
        var candidate = ProcessInfo.processInfo.environment[variable] ?? ""
        if candidate.isEmpty {
            candidate = try SwitchboardTestPaths.packageRoot().appendingPathComponent("\(venv)/bin/python").path
        }
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw PeerFailure(description: """
                no Python with wslink \(generation == .v2 ? "2.6.0" : "1.12.4"): \(variable) is unset and \(candidate) does not exist. \
                Run the project's test command (scripts/test), which creates \(venv) and sets \(variable).
                """)
        }
        return URL(fileURLWithPath: candidate)
    }

    static func with<R: Sendable>(
        _ generation: WSLinkGeneration,
        environment: [String: String] = [:],
        _ body: @escaping @Sendable (PythonWSLinkServer) async throws -> R
    ) async throws -> R {
        let python = try interpreter(for: generation)
        let script = try SwitchboardTestPaths.packageRoot()
            .appendingPathComponent("Interop/wslink/demo_server_\(generation == .v2 ? "v2" : "v1").py")
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--host", "127.0.0.1", "--port", "0", "--timeout", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("wslink-peer-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer {
            try? errorHandle.close()
            try? FileManager.default.removeItem(at: errors)
        }
        process.standardOutput = output
        process.standardError = errorHandle
        let printed = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            printed.withLock { $0 += chunk }
        }
        try process.run()
        defer {
            output.fileHandleForReading.readabilityHandler = nil
            if process.isRunning {
                process.terminate()
                let deadline = ContinuousClock.now + .seconds(5)
                while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
        }
        do {
            try await waitUntil(.seconds(30), "the Python wslink server to print its port") {
                printed.withLock { text in
                    text.range(of: "interop: port ").map { text[$0.upperBound...].contains("\n") } ?? false
                } || !process.isRunning
            }
        } catch {
            throw PeerFailure(description: "Python wslink server did not start: \(String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self).suffix(2000))")
        }
        let text = printed.withLock { $0 }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("interop: port ") }),
              let port = Int(line.dropFirst("interop: port ".count)) else {
            throw PeerFailure(description: "Python wslink server exited: \(text) \(String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self).suffix(2000))")
        }
        return try await body(PythonWSLinkServer(url: "ws://127.0.0.1:\(port)/ws"))
    }
}

/// Why a Python peer could not run, with the fix.
struct PeerFailure: Error, CustomStringConvertible {
    var description: String
}
