import Logging
import Testing
import SwitchboardCore
import SwitchboardTesting

@Suite("InMemoryServerTransport")
struct InMemoryTransportTests {
    @Test func listenHandsEachConnectionToTheHandler() async throws {
        let transport = InMemoryServerTransport()
        let seen = EventLog<String>()
        let sessions = SessionManager(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        // Serve every connection with an echo handler, recording its route.
        let acceptor = ConnectionAcceptor { info, io in
            seen.append(info.route.adapter)
            let session = sessions.open(info, adapter: info.route.adapter, eventLoop: io.eventLoop)
            let context = ConnectionContext(session: session, io: io, drainTimeout: .seconds(1), closeTimeout: .seconds(1)) { context in
                sessions.remove(context.session)
            }
            context.start(EchoAdapter().makeHandler(for: session))
            return context
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await transport.listen(acceptor)
            }
            let a = try transport.connect(adapter: "a", path: "/a", headers: Headers([(name: "X-Test", value: "1")]))
            let b = try transport.connect(adapter: "b")
            #expect(a.connection.info.path == "/a")
            #expect(a.connection.info.headers["x-test"] == "1")
            a.send(.text("to a"))
            b.send(.text("to b"))
            #expect(try await a.nextWritten() == .text("to a"))
            #expect(try await b.nextWritten() == .text("to b"))
            let handled = [try await seen.next(), try await seen.next()]
            #expect(Set(handled) == ["a", "b"])
            a.disconnect()
            b.disconnect()
            #expect(try await a.waitForClose() == .normal)
            #expect(try await b.waitForClose() == .normal)
            group.cancelAll()
        }
        // Cancelled listening stops accepting.
        let error = #expect(throws: SwitchboardError.self) { try transport.connect(adapter: "a") }
        #expect(error?.code == .connectionFailed)
    }
}
