import Foundation
import Logging
import ServiceLifecycle
import Siyi
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Synchronization

let quietLogger = Logger(label: "siyi.tests") { _ in SwiftLogNoOpLogHandler() }

/// JSON object literal helper: `object(["a": .integer(1)])` keeps the given order.
func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
    .object(pairs.map { JSONValue.Pair(key: $0.key, value: $0.value) })
}

/// Decodes a written frame as a siyi message.
func message(_ frame: Frame) throws -> SiyiMessage {
    guard case .text(let text) = frame else { throw SiyiError(code: .invalidResponse, message: "binary frame written") }
    return try SiyiMessage(decoding: text)
}

/// A siyi server running over the in-memory transport for the duration of `body`, then
/// stopped (bounded).
func withInMemoryServer<R: Sendable>(
    _ server: SiyiServer,
    _ body: @escaping @Sendable (InMemoryServerTransport) async throws -> R
) async throws -> R {
    let transport = InMemoryServerTransport()
    let running = Task { try await server.run(on: transport) }
    do {
        let result = try await body(transport)
        try await withTimeout(.seconds(10), "server stop") { await server.stop() }
        try await withTimeout(.seconds(10), "server run end") { try await running.value }
        return result
    } catch {
        running.cancel()
        throw error
    }
}

/// A raw peer on the in-memory transport: sends text, reads decoded messages.
struct RawPeer: Sendable {
    let connection: RecordingConnection

    init(_ transport: InMemoryServerTransport) throws {
        connection = try transport.connect(adapter: "siyi")
    }

    func send(_ text: String) { connection.send(.text(text)) }

    func next(timeout: Duration = .seconds(5)) async throws -> SiyiMessage {
        try message(try await connection.nextWritten(timeout: timeout))
    }

    /// The next message that is not a heartbeat request.
    func nextNonHeartbeat(timeout: Duration = .seconds(5)) async throws -> SiyiMessage {
        while true {
            let next = try await self.next(timeout: timeout)
            if case .request(let request) = next, request.command == "heartbeat" { continue }
            return next
        }
    }
}

/// Runs a real WebSocket server (127.0.0.1, port 0, route `*` → `siyi`) for `body`.
func withLoopbackServer<R: Sendable>(
    _ server: SiyiServer,
    _ body: @escaping @Sendable (BoundListener) async throws -> R
) async throws -> R {
    let transport = WebSocketServerTransport(
        configuration: .init(
            listeners: [WebSocketListener(name: "siyi", port: 0, routes: [WebSocketRoute("*", adapter: "siyi")])],
            maxMessageSize: 1 << 20,
            closeTimeout: .seconds(2),
            shutdownDrainTimeout: .seconds(2)
        ),
        logger: quietLogger
    )
    let running = Task { try await server.run(on: transport) }
    do {
        let listener = try await withTimeout(.seconds(10), "server start") { try await transport.boundListeners()[0] }
        let result = try await body(listener)
        try await withTimeout(.seconds(10), "server stop") { await server.stop() }
        try await withTimeout(.seconds(10), "server run end") { try await running.value }
        return result
    } catch {
        running.cancel()
        throw error
    }
}

func webSocketClient(_ url: String) -> WebSocketClientTransport {
    WebSocketClientTransport(configuration: .init(url: url, closeTimeout: .seconds(2)), logger: quietLogger)
}

/// Collects values from concurrent callbacks.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}
