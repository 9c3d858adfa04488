import Foundation
import Glibc
import Logging
import SwitchboardCore
import SwitchboardLauncher

/// Helpers for the launcher tests: free ports, a temporary launcher.config, a python3 to run
/// as the session program, and a blocking one-request HTTP client.
enum TestSupport {
    static var python: String {
        ProcessInfo.processInfo.environment["SWITCHBOARD_PYTHON"] ?? "python3"
    }

    static let logger = Logger(label: "launcher-tests")

    /// `count` distinct ports that were free a moment ago (bound together, then released).
    static func freePorts(_ count: Int) -> [Int] {
        var sockets: [Int32] = []
        var ports: [Int] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    _ = bind(fd, generic, length)
                    _ = getsockname(fd, generic, &length)
                }
            }
            sockets.append(fd)
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("launcher-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A configuration with one resource entry per port (so any free ports work) and `apps`.
    static func configuration(directory: String, ports: [Int], timeout: Double = 20, apps: String, extra: String = "") throws -> LauncherConfiguration {
        let resources = ports.map { #"{"host": "127.0.0.1", "port_range": [\#($0), \#($0)]}"# }.joined(separator: ", ")
        return try LauncherConfiguration(parsing: """
            {
              "configuration": {
                "host": "127.0.0.1", "port": 0, "endpoint": "paraview",
                "proxy_file": "\(directory)/proxy-mapping.txt",
                "sessionURL": "ws://${host}:${port}/ws", // the session's own port
                "timeout": \(timeout), "log_dir": "\(directory)/logs",
                "fields": ["file", "port"]\(extra)
              },
              "resources": [\(resources)],
              "properties": {"python": "\(python)"},
              "apps": \(apps)
            }
            """)
    }

    /// The python program most tests run: prints its arguments and pid, then `READY`, then
    /// waits (or exits after `exitAfter` seconds).
    static func sleeperApp(readyLine: String = "READY", exitAfter: Double = 300) -> String {
        let script = "import os, sys, time; print('args:', sys.argv[1:], 'pid:', os.getpid()); print('\(readyLine == "READY" ? "READY" : "starting")'); sys.stdout.flush(); time.sleep(\(exitAfter))"
        return #"["${python}", "-u", "-c", "\#(script)", "${file}", "${port}"]"#
    }

    /// Sends one HTTP/1.1 request and reads until the server closes; returns status and body.
    static func http(_ method: String, port: Int, path: String, body: String = "") async throws -> (status: Int, body: String) {
        let answer = try await exchange(method, port: port, path: path, body: body)
        return (answer.status, answer.body)
    }

    /// One request with `headers` added (`Name: value\r\n` each); the answer's head lowercased.
    static func exchange(_ method: String, port: Int, path: String, headers: String = "", body: String = "") async throws -> (status: Int, head: String, body: String) {
        try await Task.detached {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw LauncherError(.spawnFailed, "connect to \(port) failed") }
            let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            var response: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &chunk, chunk.count, 0)
                if count <= 0 { break }
                response += chunk[0..<count]
            }
            let text = String(decoding: response, as: UTF8.self)
            guard let split = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ").dropFirst().first ?? "") else {
                throw LauncherError(.spawnFailed, "no HTTP response: \(text)")
            }
            return (status, text[..<split.lowerBound].lowercased(), String(text[split.upperBound...]))
        }.value
    }

    /// Waits until `condition` holds, checking every 50 ms, failing after `seconds`.
    static func eventually(within seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    /// Pids of live processes with `argument` among their command-line arguments.
    static func processes(withArgument argument: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(argument) ? pid : nil
        }
    }

    /// Whether a process with this pid exists.
    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0
    }
}
