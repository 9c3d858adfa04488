import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardWebSocket
import Synchronization

/// Runs a real WebSocket server on 127.0.0.1 (port 0 unless told otherwise) for the duration
/// of `body`, then shuts it down gracefully and waits for it to finish.
struct TestServer {
    let transport: WebSocketServerTransport
    let server: SwitchboardServer<WebSocketServerTransport>
    let group: ServiceGroup
    let listener: BoundListener

    var port: Int { listener.port }
    var sessions: SessionManager { server.sessions }

    func url(_ path: String) -> String { listener.webSocketURL(path: path) }

    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(
        port: Int = 0,
        routes: [WebSocketRoute] = [WebSocketRoute("/echo", adapter: "echo")],
        content: String? = nil,
        tls: TLSFiles? = nil,
        maxMessageSize: Int = 1 << 20,
        ping: HeartbeatPolicy? = nil,
        drain: Duration = .seconds(2)
    ) -> WebSocketServerTransport.Configuration {
        WebSocketServerTransport.Configuration(
            listeners: [WebSocketListener(name: "main", port: port, routes: routes, contentDirectory: content, tls: tls)],
            maxMessageSize: maxMessageSize,
            ping: ping,
            closeTimeout: .seconds(2),
            shutdownDrainTimeout: drain
        )
    }

    /// Starts the server, runs `body`, then shuts down gracefully (bounded).
    static func with<R: Sendable>(
        _ configuration: WebSocketServerTransport.Configuration = configuration(),
        adapters: [any ProtocolAdapter] = [EchoAdapter()],
        _ body: @escaping @Sendable (TestServer) async throws -> R
    ) async throws -> R {
        let transport = WebSocketServerTransport(configuration: configuration, logger: quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: adapters, logger: quietLogger)
        let group = ServiceGroup(services: [server], logger: quietLogger)
        // The group runs in its own task so the test can bound its shutdown with a timeout.
        let running = Task { try await group.run() }
        do {
            let listener = try await withTimeout(.seconds(10), "server start") { try await transport.boundListeners()[0] }
            let result = try await body(TestServer(transport: transport, server: server, group: group, listener: listener))
            await group.triggerGracefulShutdown()
            try await withTimeout(.seconds(10), "server shutdown") { try await running.value }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            running.cancel()
            throw error
        }
    }

    static func client(_ url: String, trust: WebSocketClientTransport.TrustPolicy = .system, maxMessageSize: Int = 1 << 20) -> WebSocketClientTransport {
        WebSocketClientTransport(
            configuration: .init(url: url, maxMessageSize: maxMessageSize, closeTimeout: .seconds(2), trust: trust),
            logger: quietLogger
        )
    }
}

/// Collects values from concurrent callbacks for later assertions.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}
