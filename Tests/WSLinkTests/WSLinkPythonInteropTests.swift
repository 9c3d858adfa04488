import Logging
import MsgPack
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing
@testable import WSLink

/// The Swift client against the real Python wslink servers of spec §18.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WSLinkPythonInteropTests {
    private func client(_ url: String, generation: WSLinkGeneration) -> WSLinkClient<CountingClientTransport<WebSocketClientTransport>> {
        let transport = WebSocketClientTransport(configuration: .init(url: url, maxMessageSize: 64 << 20, closeTimeout: .seconds(2)), logger: quietLogger)
        return WSLinkClient(transport: CountingClientTransport(base: transport), configuration: .init(generation: generation), logger: quietLogger)
    }

    private func running<T: ClientTransport, R: Sendable>(_ client: WSLinkClient<T>, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
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

    @Test func swiftClientAgainstPythonWSLink26() async throws {
        try await PythonWSLinkServer.with(.v2) { server in
            let client = self.client(server.url, generation: .v2)
            try await running(client) {
                #expect(try await client.waitUntilReady().count == 33)
                #expect(try await client.call("demo.add", args: [2, 3], as: Int.self) == 5)
                #expect(try await client.call("demo.add", args: [40], kwargs: ["b": 2], as: Int.self) == 42)
                #expect(try await client.call("demo.echo", args: [1, "x", .nil, [true, 1.5]], kwargs: ["k": "v"])
                    == ["args": [1, "x", .nil, [true, 1.5]], "kwargs": ["k": "v"]])
                #expect(try await client.call("demo.bytes", args: [5]) == ["blob": .binary([0, 1, 2, 3, 4]), "n": 5])

                let upload = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let echoed = try await client.call("demo.echo", kwargs: ["data": .binary(upload)])
                #expect(echoed["kwargs"]?["data"]?.binaryValue == upload)

                let before = client.transport.inbound.all.count
                let nine = try await client.call("demo.bytes", args: [.integer(9 << 20)])
                #expect(nine["blob"]?.binaryValue?.count == 9 << 20)
                #expect(nine["blob"]?.binaryValue?[4097] == UInt8(4097 % 256))
                #expect(client.transport.inbound.all.count - before == 3)

                let ticks = try client.subscribe("demo.tick")
                #expect(try await client.call("demo.start", args: [3]) == ["published": 3])
                var received: [MsgPackValue] = []
                for await tick in ticks {
                    received.append(tick)
                    if received.count == 3 { break }
                }
                #expect(received.map { $0["i"] } == [0, 1, 2])
                #expect(received[2]["bin"] == .binary([2, 3]))

                let failure = await #expect(throws: WSLinkError.self) { try await client.call("demo.fail") }
                #expect(failure?.remote?.code == -32001)
                #expect(failure?.remote?.message == "Exception raised")
                #expect(failure?.remote?.data?["exception"] == "ValueError('boom')")
                let missing = await #expect(throws: WSLinkError.self) { try await client.call("no.such.method") }
                #expect(missing?.remote == WSLinkRPCError(code: -32601, message: "Unregistered method called", data: "no.such.method"))
            }
        }
    }

    @Test func aWrongSecretIsRefusedByPythonWSLink26() async throws {
        try await PythonWSLinkServer.with(.v2) { server in
            let transport = WebSocketClientTransport(configuration: .init(url: server.url, closeTimeout: .seconds(2)), logger: quietLogger)
            let client = WSLinkClient(transport: transport, configuration: .init(secret: "wrong-secret"), logger: quietLogger)
            let error = await #expect(throws: WSLinkError.self) { try await client.run() }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.remote == .authenticationFailed)
        }
    }

    @Test func swiftClientIn1xModeAgainstPythonWSLink1124() async throws {
        try await PythonWSLinkServer.with(.v1) { server in
            let client = self.client(server.url, generation: .v1)
            try await running(client) {
                #expect(try await client.waitUntilReady().count == 33)
                #expect(try await client.call("demo.add", args: [40], kwargs: ["b": 2], as: Int.self) == 42)
                #expect(try await client.call("demo.bytes", args: [4]) == ["blob": .binary([0, 1, 2, 3]), "n": 4, "pair": [.binary([1, 2]), .binary([3])]])
                #expect(try await client.call("demo.len", args: [.binary([1, 2, 3, 4, 5])]) == ["type": "bytes", "len": 5])
                let special = try await client.call("demo.special")
                #expect(special[0]?.doubleValue == .infinity)
                #expect(special[1]?.doubleValue?.isNaN == true)
                let ticks = try client.subscribe("demo.tick")
                #expect(try await client.call("demo.start", args: [2]) == 2)
                var received: [MsgPackValue] = []
                for await tick in ticks {
                    received.append(tick)
                    if received.count == 2 { break }
                }
                #expect(received == [["i": 0, "img": .binary([0, 0, 0])], ["i": 1, "img": .binary([1, 1, 1])]])
                let failure = await #expect(throws: WSLinkError.self) { try await client.call("no.such.method") }
                #expect(failure?.remote?.code == -32601)
            }
        }
    }
}
