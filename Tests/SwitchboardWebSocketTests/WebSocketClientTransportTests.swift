import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

@Suite("WebSocket client transport and reconnect loop over loopback", .timeLimit(.minutes(1)))
struct WebSocketClientTransportTests {
    typealias Event = ReconnectLoop<WebSocketClientTransport>.Event

    @Test("connection refused is a connectionFailed error")
    func refused() async throws {
        // Bind and release a port so nothing listens on it.
        let port = try await TestServer.with { $0.port }
        let error = await #expect(throws: SwitchboardError.self) {
            _ = try await TestServer.client("ws://127.0.0.1:\(port)/echo").withConnection { _ in 0 }
        }
        #expect(error?.code == .connectionFailed)
    }

    @Test("a client reconnects with backoff after the server restarts on the same port")
    func reconnectsAfterRestart() async throws {
        let events = EventLog<Event>()
        let echoes = Recorder<Frame>()
        let policy = ReconnectPolicy(initialDelay: .milliseconds(50), multiplier: 2, maxDelay: .milliseconds(400), jitter: 0)

        let port = try await TestServer.with { server in server.port }
        let loop = ReconnectLoop(
            transport: TestServer.client("ws://127.0.0.1:\(port)/echo"),
            policy: policy,
            logger: TestServer.quietLogger
        ) { events.append($0) }
        let running = Task {
            try await loop.run { connection in
                try await connection.write(.text("hello"))
                for try await frame in connection.inbound { echoes.append(frame) }
            }
        }
        defer { running.cancel() }

        // Nothing listens yet: attempts fail and the delays grow.
        var failures = 0
        var delays: [Duration] = []
        while failures < 3 {
            switch try await events.next() {
            case .connectFailed: failures += 1
            case .waiting(let delay): delays.append(delay)
            case .connected: Issue.record("connected while no server was listening")
            default: break
            }
        }
        #expect(Array(delays.prefix(2)) == [.milliseconds(50), .milliseconds(100)])

        try await TestServer.with(TestServer.configuration(port: port)) { _ in
            try await events.waitFor(.connected)
            try await waitUntil(.seconds(5), "echo after connect") { echoes.values.count == 1 }
        }
        // The server went away gracefully: the client hears 1001 and tries again.
        try await events.waitFor(.disconnected(closeCode: .goingAway))
        try await events.waitFor { if case .waiting = $0 { true } else { false } }

        try await TestServer.with(TestServer.configuration(port: port)) { _ in
            try await events.waitFor(.connected)
            try await waitUntil(.seconds(5), "echo after reconnect") { echoes.values.count == 2 }
        }
        #expect(echoes.values == [.text("hello"), .text("hello")])
    }

    @Test("a terminal close code stops the loop")
    func terminalCloseStops() async throws {
        let routes = [WebSocketRoute("/ws", adapter: "refusing")]
        try await TestServer.with(TestServer.configuration(routes: routes), adapters: [RefusingAdapter()]) { server in
            let events = Recorder<Event>()
            let loop = ReconnectLoop(transport: TestServer.client(server.url("/ws")), policy: .default, logger: TestServer.quietLogger) {
                events.append($0)
            }
            let code = try await withTimeout(.seconds(10)) {
                try await loop.run { connection in
                    for try await _ in connection.inbound {}
                }
            }
            #expect(code == .unauthorized)
            #expect(events.values.contains(.disconnected(closeCode: .unauthorized)))
            #expect(!events.values.contains { if case .waiting = $0 { true } else { false } })
        }
    }
}

/// Closes every connection at once with 4502 (unauthorized), a terminal code.
struct RefusingAdapter: ProtocolAdapter {
    let name = "refusing"

    func makeHandler(for session: Session) -> any ConnectionHandler { Handler() }

    final class Handler: ConnectionHandler {
        func opened(context: ConnectionContext) {
            context.close(code: .unauthorized, reason: "no")
        }

        func received(_ frame: Frame, context: ConnectionContext) {}
    }
}
