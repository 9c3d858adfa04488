import Foundation
import MsgPack
import SwitchboardTesting
import Testing

/// Byte-for-byte agreement with Python `msgpack` (the codec of the wslink server), in
/// both directions, over seeded random values. Needs the project's `.venv` (or
/// `SWITCHBOARD_PYTHON`); without it the tests fail rather than skip.
@Suite(.serialized) struct PythonCrossCheckTests {
    @Test(arguments: [UInt64(1), 0x5eed_cafe])
    func swiftEncodingsSurvivePythonRepack(_ seed: UInt64) async throws {
        var generator = RandomValues(seed: seed)
        let values = (0 ..< 300).map { _ in generator.value() }
        let sent = values.map { hex($0.encoded()) }
        let received = try await PythonMsgPack.run(["repack"], input: sent.joined(separator: "\n") + "\n")
        #expect(received.count == sent.count)
        for (index, (mine, theirs)) in zip(sent, received).enumerated() where mine != theirs {
            Issue.record("seed \(seed) value \(index): \(values[index]) → Swift \(mine.prefix(200)), Python \(theirs.prefix(200))")
        }
    }

    @Test(arguments: [7, 20_240_611])
    func pythonEncodingsRoundTripThroughSwift(_ seed: Int) async throws {
        let lines = try await PythonMsgPack.run(["generate", "--seed", String(seed), "--count", "300"], input: "")
        #expect(lines.count == 300)
        for (index, line) in lines.enumerated() {
            let encoded = bytes(line)
            let value = try MsgPackValue(decoding: encoded, limits: .unlimited)
            let reencoded = hex(value.encoded())
            #expect(reencoded == line, "seed \(seed) value \(index): \(value)")
        }
    }
}

/// Runs `Interop/msgpack_crosscheck.py` with the project's Python.
enum PythonMsgPack {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func interpreter() throws -> URL {
        let root = try SwitchboardTestPaths.packageRoot()
        if let configured = ProcessInfo.processInfo.environment["SWITCHBOARD_PYTHON"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw Failure(description: "SWITCHBOARD_PYTHON=\(configured) is not an executable file")
            }
            return URL(fileURLWithPath: configured)
        }
        let venv = root.appendingPathComponent(".venv/bin/python3")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            throw Failure(description: """
                no Python for the msgpack cross-check: \(venv.path) does not exist. Run the project's test \
                command (scripts/test), which creates .venv from scripts/requirements-test.txt, or set SWITCHBOARD_PYTHON.
                """)
        }
        return venv
    }

    /// Runs the script with `arguments`, feeding `input` on stdin; returns stdout lines.
    static func run(_ arguments: [String], input: String, timeout: Duration = .seconds(120)) async throws -> [String] {
        let python = try interpreter()
        let script = try SwitchboardTestPaths.packageRoot().appendingPathComponent("Interop/msgpack_crosscheck.py")
        let probe = try await execute(python, ["-c", "import msgpack"], input: "", timeout: timeout)
        guard probe.status == 0 else {
            throw Failure(description: """
                \(python.path) cannot import msgpack (\(probe.stderr.suffix(300))). Run the project's test command \
                (scripts/test) to install scripts/requirements-test.txt into .venv.
                """)
        }
        let result = try await execute(python, [script.path] + arguments, input: input, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(description: "msgpack_crosscheck.py \(arguments) exited \(result.status): \(result.stderr.suffix(2000))")
        }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Files rather than pipes carry stdin/stdout, so large outputs cannot deadlock.
    private static func execute(
        _ executable: URL, _ arguments: [String], input: String, timeout: Duration
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("msgpack-crosscheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inURL = directory.appendingPathComponent("in")
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        try Data(input.utf8).write(to: inURL)
        try Data().write(to: outURL)
        try Data().write(to: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        let stderr = try FileHandle(forWritingTo: errURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw Failure(description: "\(executable.lastPathComponent) \(arguments) timed out after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        let output = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let errors = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return (process.terminationStatus, output, errors)
    }
}
