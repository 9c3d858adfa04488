import CrossComm
import Logging
import Siyi
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardWebSocket
import Synchronization
import WSLink

let quietLogger = Logger(label: "switchboard.faults.tests") { _ in SwiftLogNoOpLogHandler() }

/// Fast backoff so reconnects land well inside a test: 100 ms doubling to 1 s, ±20 %.
let testReconnect = ReconnectPolicy(initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .seconds(1), jitter: 0.2)

/// The longest a reconnect may take once the server is back: one full backoff delay (with
/// jitter) plus the connect and handshake of a debug build on a busy machine.
let reconnectWindow: Duration = .milliseconds(1200) + .seconds(3)

func transport(_ url: String, ping: HeartbeatPolicy? = nil) -> WebSocketClientTransport {
    WebSocketClientTransport(configuration: .init(url: url, ping: ping, closeTimeout: .seconds(2)), logger: quietLogger)
}

func wslinkClient(_ url: String, ping: HeartbeatPolicy? = nil) -> WSLinkClient<WebSocketClientTransport> {
    WSLinkClient(transport: transport(url, ping: ping), configuration: .init(callTimeout: .seconds(20), reconnect: testReconnect), logger: quietLogger)
}

func crossCommClient(_ url: String, id: String, ping: HeartbeatPolicy? = nil) -> CrossCommClient {
    CrossCommClient(transport: transport(url, ping: ping), configuration: .init(clientID: id, reconnect: testReconnect), logger: quietLogger)
}

func siyiClient(_ url: String, ping: HeartbeatPolicy? = nil) -> SiyiClient<WebSocketClientTransport> {
    SiyiClient(transport: transport(url, ping: ping), configuration: .init(requestTimeout: .seconds(20), reconnect: testReconnect), logger: quietLogger)
}

/// How one load loop ended: the calls that succeeded, and the error that stopped it.
struct LoadOutcome: Sendable {
    var succeeded: Int
    var error: (any Error)?
}

/// A load loop: calls `call` back to back until one throws; that first error is its outcome.
final class LoadLoop: Sendable {
    private let completed = Atomic<Int>(0)
    private let task = Mutex<Task<LoadOutcome, Never>?>(nil)
    private let ending = Mutex<(any Error)?>(nil)

    /// The error that ended the loop, once it ended.
    var endedWith: (any Error)? { ending.withLock { $0 } }

    /// Calls that succeeded so far.
    var succeeded: Int { completed.load(ordering: .relaxed) }

    init(_ call: @escaping @Sendable (Int) async throws -> Void) {
        let loop = Task { [self] in
            while !Task.isCancelled {
                do {
                    try await call(succeeded)
                    completed.add(1, ordering: .relaxed)
                } catch {
                    ending.withLock { $0 = error }
                    return LoadOutcome(succeeded: succeeded, error: error)
                }
            }
            return LoadOutcome(succeeded: succeeded, error: nil)
        }
        task.withLock { $0 = loop }
    }

    /// The outcome, or a failure naming `what` if the loop does not end within `limit` (a hang).
    func outcome(within limit: Duration, _ what: String) async throws -> LoadOutcome {
        let loop = task.withLock { $0 }!
        return try await value(of: loop, within: limit, what)
    }
}

/// The task's value, or a failure naming `what` if it takes longer than `limit` (a hang).
func value<T: Sendable>(of task: Task<T, Never>, within limit: Duration, _ what: String) async throws -> T {
    try await withTimeout(limit, what) { await task.value }
}

extension JSONValue {
    /// `stats["sessions_by_adapter"]["crosscomm"]` as an Int (0 when absent).
    func count(_ path: String...) -> Int {
        var value: JSONValue? = self
        for key in path { value = value?[key] }
        return Int(value?.intValue ?? 0)
    }
}

/// Runs `body` with a fresh server and always stops it (and deletes its logs) afterwards,
/// awaited — a `defer { Task { … } }` could outlive the test process and orphan the server.
func withServer<T>(_ extraArguments: [String] = [], _ body: (ServerProcess) async throws -> T) async throws -> T {
    let server = try await ServerProcess.start(extraArguments: extraArguments)
    do {
        let result = try await body(server)
        await server.stopAndClean()
        return result
    } catch {
        await server.stopAndClean()
        throw error
    }
}
