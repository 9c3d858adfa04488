import SwitchboardCore
public import Logging
import Foundation
import Synchronization

/// The session manager behind `POST /<endpoint>/`: reserves a port, fills the app's command
/// line, starts the process, waits for its ready line and answers like wslink's launcher.
/// It also frees the port of a session whose process ends by itself, keeps the proxy mapping
/// file current, and ends every process on `shutdown()`.
///
/// ```swift
/// let launcher = SessionLauncher(configuration: config, logger: logger)
/// let answer = await launcher.launch(body: Array(#"{"application": "cone"}"#.utf8))
/// // answer.status == 200, answer.body["sessionURL"] == "ws://localhost:9002/ws"
/// ```
public actor SessionLauncher {
    /// A running (or starting) session.
    struct Session {
        var id: String
        var host: String
        var port: Int
        var values: [JSONValue.Pair]
        var process: SessionProcess?
    }

    /// Largest launch request body accepted.
    public static let maxBodySize = 64 << 10

    /// The configuration this launcher runs.
    public nonisolated let configuration: LauncherConfiguration
    /// Where the proxy finds each session's host and port (readable from any thread).
    public nonisolated let directory = SessionDirectory()
    private let logger: Logger
    private var pool: PortPool
    private var sessions: [String: Session] = [:]
    private var order: [String] = []
    private let properties: [JSONValue.Pair]

    /// Creates a launcher; nothing starts until a request arrives.
    public init(configuration: LauncherConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        pool = PortPool(configuration.resources)
        var properties = configuration.properties
        SanitizeRule.apply(configuration.sanitize, to: &properties)
        self.properties = properties
    }

    /// Number of sessions (starting or running).
    public var sessionCount: Int { sessions.count }

    /// Free ports left in the pool.
    public var availablePorts: Int { pool.availableCount }

    /// The process of session `id`, when it has one.
    public func process(of id: String) -> SessionProcess? { sessions[id]?.process }

    /// Answers `POST /<endpoint>/` with the request body.
    public func launch(body: [UInt8]) async -> LauncherAnswer {
        guard body.count <= Self.maxBodySize, let request = try? JSONValue(parsing: body),
            var values = request.objectValue, let application = request["application"]
        else {
            return .incomplete
        }
        guard let appName = application.stringValue, let app = configuration.apps[appName] else {
            return .error(400, "Unknown application: \(TemplateSubstitution.pythonString(application))")
        }
        await reapExited()
        guard let (host, port) = pool.take() else { return .resourcesTaken }

        let id = UUID().uuidString.lowercased()
        Self.set("id", .string(id), in: &values)
        Self.set("host", .string(host), in: &values)
        Self.set("port", .integer(Int64(port)), in: &values)
        if !values.contains(where: { $0.key == "secret" }) {
            Self.set("secret", .string(Self.generatePassword()), in: &values)
        }
        for key in SanitizeRule.apply(configuration.sanitize, to: &values) {
            logger.warning("sanitize: replaced \(key) with its default", metadata: ["session": "\(id)"])
        }
        let passes = [values, properties]
        Self.set("sessionURL", .string(TemplateSubstitution.substitute(configuration.sessionURL, passes: passes)), in: &values)
        let command = app.command.map { TemplateSubstitution.substitute($0, passes: [values, properties]) }
        Self.set("cmd", .array(command.map(JSONValue.string)), in: &values)
        for pair in configuration.sessionData {
            let value = pair.value.stringValue.map { JSONValue.string(TemplateSubstitution.substitute($0, passes: [values, properties])) } ?? pair.value
            Self.set(pair.key, value, in: &values)
        }
        if let unresolved = command.first(where: { $0.contains("$") }) {
            logger.error("Some properties could not be resolved: \(unresolved)")
        }

        sessions[id] = Session(id: id, host: host, port: port, values: values, process: nil)
        order.append(id)
        directory.set(id, host: host, port: port)
        writeMapping()

        let logPath = configuration.logDirectory + "/\(id).txt"
        do {
            let process = try SessionProcess.spawn(command, logPath: logPath)
            sessions[id]?.process = process
            logger.info("session started", metadata: ["session": "\(id)", "pid": "\(process.pid)", "port": "\(port)"])
        } catch {
            logger.error("The command line failed: \(error)", metadata: ["session": "\(id)"])
            remove(id)
            return .notStarted(command)
        }
        return await waitForReady(id: id, app: app, logPath: logPath, command: command)
    }

    /// Answers `GET /<endpoint>/<id>`: the session's public fields.
    public func get(id: String) -> LauncherAnswer {
        guard let session = sessions[id] else { return .error(400, "No session with id: \(id)") }
        return LauncherAnswer(status: 200, body: publicFields(of: session, withSecret: false))
    }

    /// Answers `DELETE /<endpoint>/<id>`: ends the process group and frees the port.
    public func delete(id: String) async -> LauncherAnswer {
        guard let session = sessions[id] else { return .error(404, "No session with id: \(id)") }
        remove(id)
        logger.info("Deleted session with id: \(id)")
        await session.process?.terminate()
        return LauncherAnswer(status: 200, body: publicFields(of: session, withSecret: false))
    }

    /// Frees the sessions whose process has ended by itself (and ends what is left of their
    /// process groups). Called before each launch and periodically by the server.
    public func reapExited() async {
        let ended = sessions.values.filter { $0.process?.hasExited == true }
        for session in ended {
            logger.info("session process exited", metadata: ["session": "\(session.id)"])
            remove(session.id)
        }
        for session in ended { await session.process?.terminate(grace: .zero) }
    }

    /// Ends every session's process group and empties the mapping file.
    public func shutdown() async {
        let all = Array(sessions.values)
        for session in all { remove(session.id) }
        await withTaskGroup(of: Void.self) { group in
            for session in all {
                if let process = session.process { group.addTask { await process.terminate() } }
            }
        }
    }

    private func waitForReady(id: String, app: LauncherConfiguration.App, logPath: String, command: [String]) async -> LauncherAnswer {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(configuration.timeout * 1000))
        var watcher = ReadyLineWatcher(path: logPath, readyLine: app.readyLine)
        while true {
            guard let session = sessions[id], let process = session.process else {
                return .notStarted(command)
            }
            if process.hasExited {
                remove(id)
                await process.terminate(grace: .zero)
                return .notStarted(command)
            }
            if watcher.isReady() {
                return LauncherAnswer(status: 200, body: publicFields(of: session, withSecret: command.contains(Self.secret(of: session))))
            }
            if clock.now >= deadline {
                remove(id)
                await process.terminate()
                return .startTimedOut
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func publicFields(of session: Session, withSecret: Bool) -> JSONValue {
        let keys = Set(configuration.fields + ["id", "sessionURL", "sessionManagerURL"] + (withSecret ? ["secret"] : []))
        return .object(session.values.filter { keys.contains($0.key) })
    }

    private func remove(_ id: String) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        order.removeAll { $0 == id }
        pool.free(host: session.host, port: session.port)
        directory.remove(id)
        writeMapping()
    }

    /// The proxy mapping file, one `<id> <host>:<port>` line per session (wslink's format),
    /// replaced atomically.
    private func writeMapping() {
        let text = order.compactMap { sessions[$0] }.map { "\($0.id) \($0.host):\($0.port)\n" }.joined()
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: configuration.proxyFile), options: .atomic)
        } catch {
            logger.error("cannot write proxy_file \(configuration.proxyFile): \(error)")
        }
    }

    private static func secret(of session: Session) -> String {
        session.values.first { $0.key == "secret" }.map { TemplateSubstitution.pythonString($0.value) } ?? ""
    }

    /// Sets `key` like a Python dict assignment: in place when present, appended otherwise.
    static func set(_ key: String, _ value: JSONValue, in pairs: inout [JSONValue.Pair]) {
        if let index = pairs.firstIndex(where: { $0.key == key }) {
            pairs[index].value = value
        } else {
            pairs.append(.init(key: key, value: value))
        }
    }

    /// wslink's `generatePassword`: 16 random letters and digits.
    static func generatePassword() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

/// The id → host:port table the session proxy reads on the event loop, without awaiting the
/// launcher actor.
public final class SessionDirectory: Sendable {
    private let entries = Mutex<[String: (host: String, port: Int)]>([:])

    /// Creates an empty directory.
    public init() {}

    /// Where session `id` runs, if it exists.
    public func lookup(_ id: String) -> (host: String, port: Int)? {
        entries.withLock { $0[id] }
    }

    func set(_ id: String, host: String, port: Int) {
        entries.withLock { $0[id] = (host, port) }
    }

    func remove(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
