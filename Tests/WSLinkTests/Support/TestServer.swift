import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
@testable import WSLink

/// Runs a wslink adapter on a real WebSocket server at 127.0.0.1, port 0, route `/ws`, for the
/// duration of `body`, then shuts it down gracefully (the pattern of the WebSocket tests).
struct TestServer {
    let listener: BoundListener
    let adapter: WSLinkServerAdapter

    var url: String { listener.webSocketURL(path: "/ws") }

    static func with<R: Sendable>(
        router: WSLinkRouter = WSLinkDemoProtocol.router(),
        configuration: WSLinkServerConfiguration = .init(),
        maxMessageSize: Int = 16 << 20,
        _ body: @escaping @Sendable (TestServer) async throws -> R
    ) async throws -> R {
        let transport = WebSocketServerTransport(
            configuration: .init(
                listeners: [WebSocketListener(name: "main", port: 0, routes: [WebSocketRoute("/ws", adapter: "wslink")])],
                maxMessageSize: maxMessageSize,
                ping: nil,
                closeTimeout: .seconds(2),
                shutdownDrainTimeout: .seconds(2)
            ),
            logger: quietLogger
        )
        let adapter = WSLinkServerAdapter(router: router, configuration: configuration, logger: quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: quietLogger)
        let group = ServiceGroup(services: [server], logger: quietLogger)
        // The group runs in its own task so the test can bound its shutdown with a timeout.
        let running = Task { try await group.run() }
        do {
            let listener = try await withTimeout(.seconds(10), "server start") { try await transport.boundListeners()[0] }
            let result = try await body(TestServer(listener: listener, adapter: adapter))
            await group.triggerGracefulShutdown()
            try await withTimeout(.seconds(10), "server shutdown") { try await running.value }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            running.cancel()
            throw error
        }
    }

    func client(maxMessageSize: Int = 64 << 20) -> WebSocketClientTransport {
        WebSocketClientTransport(
            configuration: .init(url: url, maxMessageSize: maxMessageSize, closeTimeout: .seconds(2)),
            logger: quietLogger
        )
    }
}

/// A raw WebSocket peer: writes exact frames, records every frame the server sends.
struct RawPeer: Sendable {
    let connection: Connection
    let received: EventLog<Frame>

    /// Connects to `server`, runs `body` with a raw peer, closes.
    static func with<R: Sendable>(_ server: TestServer, _ body: @escaping @Sendable (RawPeer) async throws -> R) async throws -> R {
        try await server.client().withConnection { connection in
            let received = EventLog<Frame>()
            return try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    for try await frame in connection.inbound { received.append(frame) }
                    return nil
                }
                let result = try await body(RawPeer(connection: connection, received: received))
                group.cancelAll()
                return result
            }
        }.result
    }

    func send(_ frame: Frame) async throws { try await connection.write(frame) }

    /// The next 2.x message's payload, reassembled from its chunks.
    func nextPayload(timeout: Duration = .seconds(10)) async throws -> (payload: [UInt8], chunks: [[UInt8]]) {
        var unchunker = WSLinkUnchunker()
        var chunks: [[UInt8]] = []
        while true {
            guard let bytes = try await received.next(timeout: timeout).bytes else {
                throw WSLinkError(code: .malformedPayload, message: "expected a binary frame")
            }
            chunks.append(bytes)
            if let payload = try unchunker.receive(bytes, sizeLimit: .max, at: .now) { return (payload, chunks) }
        }
    }

    func nextText(timeout: Duration = .seconds(10)) async throws -> Frame {
        try await received.next(timeout: timeout)
    }
}
