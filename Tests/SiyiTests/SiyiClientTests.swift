import Siyi
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("siyi client", .timeLimit(.minutes(1)))
struct SiyiClientTests {
    static let fastRetry = ReconnectPolicy(initialDelay: .milliseconds(10), multiplier: 2, maxDelay: .milliseconds(100), jitter: 0)

    @Test("heartbeats are answered at once, byte-exact, while every handler slot is busy")
    func heartbeatOutsideHandlers() async throws {
        let transport = ScriptedClientTransport()
        let client = SiyiClient(transport: transport, configuration: .init(maxInFlight: 1), logger: quietLogger)
        let gate = Gate()
        client.register("block") { _, _ in
            await gate.wait()
            return .string("released")
        }
        client.connect()
        let server = try await transport.connections.next()
        server.send(.text(#"{"id":"b1","type":"request","command":"block","params":null}"#))
        try await waitUntil(.seconds(5), "handler running") { client.isConnected }
        // The only slot is taken: another request is refused…
        server.send(.text(#"{"id":"b2","type":"request","command":"block","params":null}"#))
        #expect(try await server.nextWritten()
            == .text(#"{"id":"b2","type":"response","status":"error","data":null,"error":"too many requests in flight (limit 1)"}"#))
        // …but the heartbeat is answered exactly as the original client answers it.
        server.send(.text(#"{"id":"c20b9695-ece9-4d29-a195-a89dcb445365","type":"request","command":"heartbeat","params":null}"#))
        #expect(try await server.nextWritten() == .text(#"{"id":"c20b9695-ece9-4d29-a195-a89dcb445365","type":"response","status":"ok","data":{"status":"alive"},"error":null}"#))
        gate.open()
        #expect(try await server.nextWritten() == .text(#"{"id":"b1","type":"response","status":"ok","data":"released","error":null}"#))
        await client.disconnect()
    }

    @Test("autoReconnect: false really does not reconnect")
    func noAutoReconnect() async throws {
        let transport = ScriptedClientTransport()
        let client = SiyiClient(transport: transport, configuration: .init(autoReconnect: false, reconnect: Self.fastRetry), logger: quietLogger)
        let running = Task { try await client.run() }
        let server = try await transport.connections.next()
        #expect(await client.waitConnected(timeout: .seconds(5)))
        server.disconnect()
        try await withTimeout(.seconds(5), "run ends") { try await running.value }
        #expect(transport.attemptCount == 1)
        #expect(!client.isConnected)
        let error = await #expect(throws: SiyiError.self) { try await client.request("echo") }
        #expect(error?.code == .notConnected)
    }

    @Test("autoReconnect: false with a refused first attempt throws notConnected and stops")
    func noAutoReconnectRefused() async throws {
        let transport = ScriptedClientTransport()
        transport.failNext(5)
        let client = SiyiClient(transport: transport, configuration: .init(autoReconnect: false, reconnect: Self.fastRetry), logger: quietLogger)
        let error = await #expect(throws: SiyiError.self) {
            try await withTimeout(.seconds(5), "run ends") { try await client.run() }
        }
        #expect(error?.code == .notConnected)
        #expect(transport.attemptCount == 1)
    }

    @Test("with autoReconnect the client comes back after a drop and after refused attempts")
    func reconnects() async throws {
        let transport = ScriptedClientTransport()
        let client = SiyiClient(transport: transport, configuration: .init(reconnect: Self.fastRetry), logger: quietLogger)
        client.connect()
        let first = try await transport.connections.next()
        transport.failNext(2)
        first.disconnect()
        let second = try await transport.connections.next()
        #expect(await client.waitConnected(timeout: .seconds(5)))
        #expect(transport.attemptCount == 4)
        #expect(client.connectionCount == 2)
        second.send(.text(#"{"id":"q","type":"request","command":"missing","params":null}"#))
        #expect(try await second.nextWritten() == .text(#"{"id":"q","type":"response","status":"error","data":null,"error":"unknown command missing"}"#))
        await client.disconnect()
        #expect(try await second.waitForClose() == .normal)
        #expect(!client.isConnected)
        #expect(transport.attemptCount == 4)
    }

    @Test("a pending request fails at once when the connection drops")
    func pendingFailsOnDrop() async throws {
        let transport = ScriptedClientTransport()
        let client = SiyiClient(transport: transport, configuration: .init(autoReconnect: false), logger: quietLogger)
        client.connect()
        let server = try await transport.connections.next()
        #expect(await client.waitConnected(timeout: .seconds(5)))
        let asking = Task { try await client.request("slow", timeout: .seconds(60)) }
        guard case .request(let request) = try message(try await server.nextWritten()) else { Issue.record("no request"); return }
        #expect(request.command == "slow" && request.params == .null)
        server.disconnect()
        let error = await #expect(throws: SiyiError.self) {
            try await withTimeout(.seconds(5), "failure after drop") { try await asking.value }
        }
        #expect(error?.code == .connectionClosed)
        await client.disconnect()
    }

    @Test("a request times out at its deadline; a late answer is ignored")
    func timeout() async throws {
        let transport = ScriptedClientTransport()
        let client = SiyiClient(transport: transport, configuration: .init(autoReconnect: false), logger: quietLogger)
        client.connect()
        let server = try await transport.connections.next()
        #expect(await client.waitConnected(timeout: .seconds(5)))
        let error = await #expect(throws: SiyiError.self) { try await client.request("slow", timeout: .milliseconds(50)) }
        #expect(error?.code == .timeout)
        guard case .request(let request) = try message(try await server.nextWritten()) else { Issue.record("no request"); return }
        server.send(.text(SiyiMessage.response(.success(id: request.id)).encoded()))
        // Still healthy afterwards.
        let next = Task { try await client.request("again", timeout: .seconds(5)) }
        guard case .request(let again) = try message(try await server.nextWritten()) else { Issue.record("no request"); return }
        server.send(.text(SiyiMessage.response(.success(id: SiyiMessageID(again.id.rawValue.uppercased()), data: .integer(2))).encoded()))
        #expect(try await next.value == .success(id: again.id, data: .integer(2)))
        await client.disconnect()
    }

    @Test("a server→client request issued inside the handler of a client request completes, and vice versa")
    func nestedRequests() async throws {
        let server = SiyiServer(configuration: .init(heartbeat: nil), logger: quietLogger)
        server.register("ask_back") { _, peer in
            try await server.send(request: "get_status", to: peer, timeout: .seconds(5)).data
        }
        server.register("plain") { _, _ in .string("plain") }
        try await withInMemoryServer(server) { transport in
            let client = SiyiClient(transport: transport.client(adapter: "siyi"), logger: quietLogger)
            client.register("get_status") { _, _ in object(["status": .string("running"), "players": .integer(5)]) }
            client.register("ask_server") { _, _ in
                try await client.request("plain", timeout: .seconds(5)).data
            }
            client.connect()
            #expect(await client.waitConnected(timeout: .seconds(5)))
            let status = try await client.request("ask_back", timeout: .seconds(5))
            #expect(status == .success(id: status.id, data: object(["status": .string("running"), "players": .integer(5)])))
            try await waitUntil(.seconds(5), "peer registered") { server.peerCount == 1 }
            let peer = try #require(server.peers.first)
            let nested = try await server.send(request: "ask_server", to: peer, timeout: .seconds(5))
            #expect(nested.data == .string("plain"))
            await client.disconnect()
        }
    }

    @Test("typed helpers encode params and decode data; an error response throws its text")
    func typedHelpers() async throws {
        struct Add: Codable { var a: Int; var b: Int }
        struct Sum: Codable, Equatable { var sum: Int }
        let server = SiyiServer(configuration: .init(heartbeat: nil), logger: quietLogger)
        server.register("add", as: Add.self) { add, _ in Sum(sum: add.a + add.b) }
        let received = Recorder<Sum>()
        server.onEvent("sum", as: Sum.self) { sum, _ in received.append(sum) }
        try await withInMemoryServer(server) { transport in
            let client = SiyiClient(transport: transport.client(adapter: "siyi"), logger: quietLogger)
            client.connect()
            #expect(await client.waitConnected(timeout: .seconds(5)))
            #expect(try await client.request("add", params: Add(a: 2, b: 3), as: Sum.self) == Sum(sum: 5))
            let error = await #expect(throws: SiyiError.self) { try await client.request("sub", params: Add(a: 1, b: 1), as: Sum.self) }
            #expect(error?.code == .errorResponse && error?.message == "unknown command sub")
            try await client.send(event: "sum", payload: Sum(sum: 9))
            try await waitUntil(.seconds(5), "event delivered") { received.values == [Sum(sum: 9)] }
            let invalid = await #expect(throws: SiyiError.self) { try await client.request("add", params: .array([.integer(1)])) }
            #expect(invalid?.code == .invalidArgument)
            await client.disconnect()
        }
    }
}
