import Testing
import SwitchboardCore
import SwitchboardTesting

@Suite("InMemoryServerTransport")
struct InMemoryTransportTests {
    @Test func listenHandsEachConnectionToTheHandler() async throws {
        let transport = InMemoryServerTransport()
        let seen = EventLog<String>()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await transport.listen { connection in
                    seen.append(connection.info.route.adapter)
                    // Serve: echo until the peer goes away.
                    do {
                        for try await frame in connection.inbound { try await connection.write(frame) }
                    } catch {}
                    await connection.close(code: .normal, reason: "")
                }
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
