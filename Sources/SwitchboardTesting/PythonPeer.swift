public import Foundation

/// Runs the project's Python helpers (`Interop/*.py`) with the test venv's interpreter, for
/// cross-checks against the real Python libraries. Without that Python the caller fails with
/// instructions rather than skipping.
///
/// ```swift
/// let lines = try await PythonPeer.run(script: "Interop/json_crosscheck.py", ["dump"], input: text, requiring: ["json"])
/// ```
public enum PythonPeer {
    /// Why a Python helper could not run or failed.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the fix.
        public var description: String
    }

    /// `SWITCHBOARD_PYTHON`, else `<package root>/.venv/bin/python3`.
    public static func interpreter() throws -> URL {
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
                no Python for the cross-check: \(venv.path) does not exist. Run the project's test \
                command (scripts/test), which creates .venv from scripts/requirements-test.txt, or set SWITCHBOARD_PYTHON.
                """)
        }
        return venv
    }

    /// Runs `script` (relative to the package root) with `arguments`, feeding `input` on
    /// stdin; returns stdout lines. `requiring` names modules that must import first.
    public static func run(
        script: String,
        _ arguments: [String],
        input: String,
        requiring modules: [String] = [],
        timeout: Duration = .seconds(120)
    ) async throws -> [String] {
        let python = try interpreter()
        let scriptURL = try SwitchboardTestPaths.packageRoot().appendingPathComponent(script)
        if !modules.isEmpty {
            let probe = try await execute(python, ["-c", "import " + modules.joined(separator: ", ")], input: "", timeout: timeout)
            guard probe.status == 0 else {
                throw Failure(description: """
                    \(python.path) cannot import \(modules.joined(separator: ", ")) (\(probe.stderr.suffix(300))). Run the \
                    project's test command (scripts/test) to install scripts/requirements-test.txt into .venv.
                    """)
            }
        }
        let result = try await execute(python, [scriptURL.path] + arguments, input: input, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(description: "\(script) \(arguments) exited \(result.status): \(result.stderr.suffix(2000))")
        }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Files rather than pipes carry stdin/stdout, so large outputs cannot deadlock.
    private static func execute(
        _ executable: URL, _ arguments: [String], input: String, timeout: Duration
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("python-peer-\(UUID().uuidString)")
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
