import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Synchronization
import Testing
@testable import WSLink

@Suite(.timeLimit(.minutes(2))) struct WSLinkClientTests {
    static func router() -> WSLinkRouter {
        var router = WSLinkDemoProtocol.router()
        router.expose("t.hang") { () async throws -> Int in
            try await Task.sleep(for: .seconds(60))
            return 0
        }
        router.expose("t.len", parameters: "data") { (data: [UInt8]) in ["len": data.count, "first": Int(data.first ?? 0)] }
        return router
    }

    /// Runs `client` for the duration of `body`.
    private func running<T: ClientTransport, R: Sendable>(
        _ client: WSLinkClient<T>, _ body: @escaping @Sendable () async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await client.run()
                return nil
            }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }

    @Test(arguments: [WSLinkGeneration.v2, .v1])
    func callsDecodeResultsAndErrors(generation: WSLinkGeneration) async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), configuration: .init(generation: generation), logger: quietLogger)
            try await running(client) {
                let id = try await client.waitUntilReady()
                #expect(id.count == 33)
                #expect(try await client.call("demo.add", args: [2, 3], as: Int.self) == 5)
                #expect(try await client.call("demo.add", args: [40], kwargs: ["b": 2], as: Int.self) == 42)
                #expect(try await client.call("demo.echo", args: [1, "x", .nil, [true, 1.5]], kwargs: ["k": "v"])
                    == ["args": [1, "x", .nil, [true, 1.5]], "kwargs": ["k": "v"]])
                struct Blob: Decodable { var blob: [UInt8]; var n: Int }
                let blob = try await client.call("demo.bytes", args: [300], as: Blob.self)
                #expect(blob.n == 300 && blob.blob == (0..<300).map { UInt8(truncatingIfNeeded: $0) })
                #expect(try await client.call("t.len", args: [.binary([9, 8, 7])]) == ["len": 3, "first": 9])
                let failure = await #expect(throws: WSLinkError.self) { try await client.call("demo.fail") }
                #expect(failure?.code == .remote)
                #expect(failure?.remote?.code == -32001)
                #expect(failure?.remote?.data?["exception"] == "ValueError('boom')")
                let missing = await #expect(throws: WSLinkError.self) { try await client.call("no.such.method") }
                #expect(missing?.remote == WSLinkRPCError(code: -32601, message: "Unregistered method called", data: "no.such.method"))
            }
        }
    }

    @Test func subscriptionsReceivePublishesInOrder() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), logger: quietLogger)
            try await running(client) {
                let ticks = try client.subscribe("demo.tick")
                let other = try client.subscribe("other.topic")
                #expect(try await client.call("demo.start", args: [3]) == ["published": 3])
                var received: [MsgPackValue] = []
                for await tick in ticks {
                    received.append(tick)
                    if received.count == 3 { break }
                }
                let expected: [MsgPackValue] = [0, 1, 2].map { (i: UInt8) -> MsgPackValue in ["i": .integer(i), "bin": .binary([i, i + 1])] }
                #expect(received == expected)
                #expect(throws: WSLinkError.self) { try client.subscribe("demo-tick") }
                _ = other
            }
        }
    }

    @Test func demoFloodPublishesStampedMessagesThenAnswers() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), logger: quietLogger)
            try await running(client) {
                let flood = try client.subscribe("bench.flood")
                let before = WSLinkDemoProtocol.monotonicNanoseconds()
                #expect(try await client.call("demo.flood", kwargs: ["topic": "bench.flood", "count": 5, "size": 3]) == ["published": 5])
                var received: [MsgPackValue] = []
                for await message in flood {
                    received.append(message)
                    if received.count == 5 { break }
                }
                let after = WSLinkDemoProtocol.monotonicNanoseconds()
                #expect(received.map { $0["i"] } == [0, 1, 2, 3, 4])
                #expect(received.allSatisfy { $0["bin"] == .binary([0xAB, 0xAB, 0xAB]) })
                #expect(received.allSatisfy { (before...after).contains($0["t"]?.uint64Value ?? 0) })
                let refused = await #expect(throws: WSLinkError.self) { try await client.call("demo.flood", kwargs: ["count": -1]) }
                #expect(refused?.remote?.code == -32001)
            }
        }
    }

    @Test func callsTimeOutAndInFlightCallsFailOnDisconnect() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), logger: quietLogger)
            try await running(client) {
                let id = try await client.waitUntilReady()
                let timeout = await #expect(throws: WSLinkError.self) { try await client.call("t.hang", timeout: .milliseconds(100)) }
                #expect(timeout?.code == .timeout)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let error = await #expect(throws: WSLinkError.self) { try await client.call("t.hang") }
                        #expect(error?.code == .connectionClosed)
                    }
                    try await waitUntil(.seconds(5), "call in flight") { client.state.withLock { !$0.pending.isEmpty } }
                    #expect(server.adapter.publisher.disconnect(id))
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func reconnectSaysHelloAgainAndSubscriptionsSurvive() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let configuration = WSLinkClientConfiguration(reconnect: ReconnectPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), configuration: configuration, logger: quietLogger)
            try await running(client) {
                let ticks = try client.subscribe("demo.tick")
                let first = try await client.waitUntilReady()
                server.adapter.publisher.disconnect(first)
                try await waitUntil(.seconds(5), "a new client id") { client.clientID.map { $0 != first } ?? false }
                #expect(try await client.call("demo.start", args: [1]) == ["published": 1])
                var iterator = ticks.makeAsyncIterator()
                #expect(await iterator.next() == ["i": 0, "bin": .binary([0, 1])])
                #expect(server.adapter.publisher.clientIDs.count == 1)
            }
        }
    }

    @Test func aRefusedSecretEndsRunWithAuthenticationFailed() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), configuration: .init(secret: "wrong"), logger: quietLogger)
            let error = await #expect(throws: WSLinkError.self) { try await client.run() }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.remote == .authenticationFailed)
            let call = await #expect(throws: WSLinkError.self) { try await client.call("demo.add", args: [1]) }
            #expect(call?.code == .authenticationFailed)
        }
    }

    @Test func largeMessagesAreChunkedBothWaysOverLoopback() async throws {
        try await TestServer.with(router: Self.router()) { server in
            let client = WSLinkClient(transport: server.client(), logger: quietLogger)
            try await running(client) {
                let big = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let echoed = try await client.call("demo.echo", kwargs: ["data": .binary(big)])
                #expect(echoed["kwargs"]?["data"]?.binaryValue == big)
                struct Blob: Decodable { var blob: [UInt8]; var n: Int }
                let nine = try await client.call("demo.bytes", args: [.integer(9 << 20)], as: Blob.self)
                #expect(nine.blob.count == 9 << 20 && nine.blob[1000] == UInt8(1000 % 256))
            }
        }
    }
    @Test(arguments: [WSLinkGeneration.v2, .v1])
    func subscriptionsAreAnnouncedToAServerThatTakesThem(generation: WSLinkGeneration) async throws {
        try await InMemoryWSLinkServer.with(router: Self.router()) { server in
            let publisher = server.adapter.publisher
            let client = WSLinkClient(transport: server.transport.client(adapter: "wslink"), configuration: .init(generation: generation), logger: quietLogger)
            let ticks = try client.subscribe("demo.tick")
            try await running(client) {
                _ = try await client.waitUntilReady()
                // Announced: the client no longer counts as listening to everything.
                try await waitUntil(.seconds(5), "the announcement") { !publisher.hasSubscribers("other.topic") }
                #expect(publisher.hasSubscribers("demo.tick"))
                #expect(try publisher.publish("other.topic", 1) == 0)
                #expect(try publisher.publish("demo.tick", ["i": 5]) == 1)
                var iterator = ticks.makeAsyncIterator()
                #expect(await iterator.next() == ["i": 5])
            }
        }
    }
}
