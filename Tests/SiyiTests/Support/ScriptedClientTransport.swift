import SwitchboardCore
import SwitchboardTesting
import Synchronization

/// A client transport whose far end is the test: every connection attempt yields a
/// ``RecordingConnection`` (the client gets its `connection`), published to `connections`.
/// `failNext` makes the next attempts fail as if the server were down.
final class ScriptedClientTransport: ClientTransport {
    let connections = EventLog<RecordingConnection>()
    private let attempts = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)

    var attemptCount: Int { attempts.load(ordering: .relaxed) }

    func failNext(_ count: Int) { failures.store(count, ordering: .relaxed) }

    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        attempts.add(1, ordering: .relaxed)
        if failures.load(ordering: .relaxed) > 0 {
            failures.subtract(1, ordering: .relaxed)
            throw SwitchboardError(code: .connectionFailed, message: "scripted refusal")
        }
        let recording = RecordingConnection(adapter: "client")
        connections.append(recording)
        let result = try await body(recording.connection)
        await recording.connection.close(code: .normal, reason: "")
        return ClientConnectionOutcome(result: result, closeCode: nil, closeReason: nil)
    }
}
