public import Foundation
public import SwitchboardCore
import Synchronization

/// A real `switchboard serve` child process on loopback for fault injection: started on free
/// ports, killed with SIGKILL mid-traffic, restarted on the same ports, asked for `/stats`.
///
/// Its stdout and stderr go to files (never pipes, which a busy server could fill), so the
/// log can be searched afterwards. Blocking waits poll with a deadline off the cooperative pool.
///
/// ```swift
/// let server = try await ServerProcess.start(extraArguments: ["--ping-interval", "0.5"])
/// server.kill()                       // SIGKILL, like a crash
/// try await server.restart()          // same ports
/// let stats = try await server.stats()
/// await server.stop()
/// ```
public final class ServerProcess: Sendable {
    /// The ports the server listens on (stable across restarts).
    public struct Ports: Sendable, Hashable {
        /// The main port: wslink at `/ws`, `/stats`.
        public var main: Int
        /// The CrossComm port.
        public var crossComm: Int
        /// The siyi port.
        public var siyi: Int
    }

    /// Why the server could not be started or queried.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the server's last log lines.
        public var description: String
    }

    private struct State {
        var process: Process
        var ports: Ports
        var launches = 1
    }

    /// The executable.
    public let binary: URL
    /// Arguments given after the port flags.
    public let extraArguments: [String]
    /// The directory holding `stdout-N.log` and `stderr-N.log` for launch N.
    public let logDirectory: URL
    private let state: Mutex<State>

    private init(binary: URL, extraArguments: [String], logDirectory: URL, process: Process, ports: Ports) {
        self.binary = binary
        self.extraArguments = extraArguments
        self.logDirectory = logDirectory
        self.state = Mutex(State(process: process, ports: ports))
    }

    /// The `switchboard` executable: `$SWITCHBOARD_BIN`, else the one built beside the running
    /// executable (the test bundle or a tool in `.build/<configuration>/`).
    public static func defaultBinary() throws -> URL {
        if let configured = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("switchboard")
        guard FileManager.default.isExecutableFile(atPath: beside.path) else {
            throw Failure(description: "no switchboard executable at \(beside.path): run `swift build` first or set SWITCHBOARD_BIN")
        }
        return beside
    }

    /// Starts `switchboard serve` on free loopback ports (CrossComm file store off, `--stats`
    /// on) and waits until every listener is announced.
    public static func start(
        binary: URL? = nil,
        extraArguments: [String] = [],
        timeout: Duration = .seconds(60)
    ) async throws -> ServerProcess {
        let binary = try binary ?? defaultBinary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let arguments = portArguments(main: 0, crossComm: 0, siyi: 0) + extraArguments
        let (process, ports) = try await launch(binary, arguments, directory: directory, launch: 1, timeout: timeout)
        return ServerProcess(binary: binary, extraArguments: extraArguments, logDirectory: directory, process: process, ports: ports)
    }

    /// The listening ports.
    public var ports: Ports { state.withLock { $0.ports } }
    /// The current process id.
    public var pid: Int32 { state.withLock { $0.process.processIdentifier } }
    /// Whether the current process is alive.
    public var isRunning: Bool { state.withLock { $0.process.isRunning } }

    /// `ws://127.0.0.1:<main>/ws`.
    public var wslinkURL: String { "ws://127.0.0.1:\(ports.main)/ws" }
    /// `ws://127.0.0.1:<crosscomm>/`.
    public var crossCommURL: String { "ws://127.0.0.1:\(ports.crossComm)/" }
    /// `ws://127.0.0.1:<siyi>/`.
    public var siyiURL: String { "ws://127.0.0.1:\(ports.siyi)/" }

    /// Kills the server with SIGKILL (no graceful shutdown, no close frames) and waits until
    /// it is gone.
    public func kill(timeout: Duration = .seconds(10)) async throws {
        let process = state.withLock { $0.process }
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        try await Self.waitForExit(process, timeout: timeout)
    }

    /// Starts the server again on the same ports. A port still held by the kernel after a
    /// kill is retried until `timeout`.
    public func restart(timeout: Duration = .seconds(60)) async throws {
        let (ports, launchNumber) = state.withLock { state -> (Ports, Int) in
            state.launches += 1
            return (state.ports, state.launches)
        }
        let arguments = Self.portArguments(main: ports.main, crossComm: ports.crossComm, siyi: ports.siyi) + extraArguments
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                let (process, _) = try await Self.launch(binary, arguments, directory: logDirectory, launch: launchNumber, timeout: deadline - .now)
                state.withLock { $0.process = process }
                return
            } catch let failure as Failure where ContinuousClock.now < deadline && failure.description.contains("ddress already in use") {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stops the server with SIGTERM (graceful), then SIGKILL after `timeout`.
    public func stop(timeout: Duration = .seconds(10)) async {
        let process = state.withLock { $0.process }
        guard process.isRunning else { return }
        process.terminate()
        do {
            try await Self.waitForExit(process, timeout: timeout)
        } catch {
            try? await kill()
        }
    }

    /// Stops the server and deletes its logs.
    public func stopAndClean() async {
        await stop()
        try? FileManager.default.removeItem(at: logDirectory)
    }

    /// Everything the server wrote to stderr, over every launch.
    public func log() -> String {
        let launches = state.withLock { $0.launches }
        return (1...launches).map { number in
            (try? String(contentsOf: logDirectory.appendingPathComponent("stderr-\(number).log"), encoding: .utf8)) ?? ""
        }.joined()
    }

    /// `GET /stats` (the server must run with `--stats`, which ``start(binary:extraArguments:timeout:)`` passes).
    public func stats(timeout: Duration = .seconds(10)) async throws -> JSONValue {
        let body = try await LoopbackHTTP.get(port: ports.main, path: "/stats", timeout: timeout)
        return try JSONValue(parsing: body)
    }

    /// Polls `/stats` until `condition` holds; returns the last answer. Throws after `timeout`.
    @discardableResult
    public func waitForStats(
        timeout: Duration,
        _ what: String,
        _ condition: @Sendable (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            let stats = try await self.stats()
            if condition(stats) { return stats }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "\(what): not reached within \(timeout); last /stats \(stats.encoded())")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    // MARK: - Launching

    static func portArguments(main: Int, crossComm: Int, siyi: Int) -> [String] {
        [
            "serve", "--host", "127.0.0.1", "--port", "\(main)", "--crosscomm-port", "\(crossComm)",
            "--crosscomm-files-port", "off", "--siyi-port", "\(siyi)", "--stats",
        ]
    }

    private static func launch(_ binary: URL, _ arguments: [String], directory: URL, launch: Int, timeout: Duration) async throws -> (Process, Ports) {
        let stdoutURL = directory.appendingPathComponent("stdout-\(launch).log")
        let stderrURL = directory.appendingPathComponent("stderr-\(launch).log")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let deadline = ContinuousClock.now + timeout
        while true {
            let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            if let ports = parsePorts(output) { return (process, ports) }
            if !process.isRunning || ContinuousClock.now > deadline {
                if process.isRunning {
                    Foundation.kill(process.processIdentifier, SIGKILL)
                    try? await waitForExit(process, timeout: .seconds(5))
                }
                let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
                throw Failure(description: "switchboard \(arguments.joined(separator: " ")) did not announce its listeners: \(errors.suffix(1500))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The three listener lines `switchboard serve` prints once bound.
    static func parsePorts(_ output: String) -> Ports? {
        var found: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 4, words[1] == "listening", let port = port(in: words[3]) else { continue }
            found[String(words[0])] = port
        }
        guard let main = found["wslink"], let crossComm = found["crosscomm"], let siyi = found["siyi"] else { return nil }
        return Ports(main: main, crossComm: crossComm, siyi: siyi)
    }

    private static func port(in url: Substring) -> Int? {
        guard let hostStart = url.range(of: "://") else { return nil }
        let authority = url[hostStart.upperBound...].prefix { $0 != "/" }
        return authority.split(separator: ":").last.flatMap { Int($0) }
    }

    static func waitForExit(_ process: Process, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "process \(process.processIdentifier) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
