import SwitchboardCore
import SwitchboardTesting
@testable import SwitchboardWebSocket
import Synchronization
import Testing

@Suite("WebSocket engine")
struct WebSocketEngineTests {
    /// Nothing of a closed connection stays behind: its session is released, which needs its
    /// context and its engine (the channel handler) released too. A cycle between the engine
    /// and its `ChannelHandlerContext` once kept every closed connection (≈ 180 KiB each).
    @Test("a closed connection releases its session, context and engine")
    func closedConnectionsAreReleased() async throws {
        let tracker = SessionTracker()
        let enginesBefore = WebSocketEngine.instances.load(ordering: .relaxed)
        let routes = [WebSocketRoute("/echo", adapter: "tracking")]
        try await TestServer.with(TestServer.configuration(routes: routes), adapters: [TrackingEchoAdapter(tracker: tracker)]) { server in
            for index in 0..<20 {
                let outcome = try await TestServer.client(server.url("/echo")).withConnection { connection in
                    try await connection.write(.text("\(index)"))
                    return try await connection.inbound.first { _ in true }
                }
                #expect(outcome.result == .text("\(index)"))
            }
            try await waitUntil(.seconds(10), "every closed session released") { tracker.seen == 20 && tracker.alive == 0 }
            try await waitUntil(.seconds(10), "every closed connection's engine released") {
                WebSocketEngine.instances.load(ordering: .relaxed) <= enginesBefore
            }
        }
    }
}

/// Remembers every session weakly.
final class SessionTracker: Sendable {
    private struct Entry: @unchecked Sendable {
        // @unchecked: a weak reference to a Sendable class, only read under `entries`' lock.
        weak var session: Session?
    }

    private let entries = Mutex<[Entry]>([])

    func track(_ session: Session) {
        entries.withLock { $0.append(Entry(session: session)) }
    }

    var seen: Int { entries.withLock { $0.count } }
    var alive: Int { entries.withLock { $0.filter { $0.session != nil }.count } }
}

/// Echoes, and hands every session to a tracker.
struct TrackingEchoAdapter: ProtocolAdapter {
    let name = "tracking"
    let tracker: SessionTracker

    func makeHandler(for session: Session) -> any ConnectionHandler {
        tracker.track(session)
        return EchoAdapter().makeHandler(for: session)
    }
}
