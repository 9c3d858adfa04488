import MsgPack
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing
@testable import WSLink

/// Drives a real Switchboard server over loopback with the exact request frames captured from
/// the JS client and probe client, and checks the replies against the Python server's.
@Suite(.timeLimit(.minutes(2))) struct WSLinkRawClientTests {
    private func frame(_ name: String) throws -> Frame {
        let vector = try #require(try GoldenVectorFile.load("wslink-v2").vector(named: name))
        if vector.frame == "text" { return .text(try #require(vector.text)) }
        return .binary(try #require(vector.bytes))
    }

    private func payload(_ name: String) throws -> [UInt8] {
        try V2Message.named(name).decoded.encoded()
    }

    @Test func sessionAReproducesThePythonReplies() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(try frame("hello.request"))
                let hello = try MsgPackValue(decoding: try await peer.nextPayload().payload)
                #expect(hello.mapValue?.map { $0.key } == ["wslink", "id", "result"])
                #expect(hello["id"] == "system:c0:0")
                #expect(hello["result"]?.mapValue?.map { $0.key } == ["clientID", "maxMsgSize", "capabilities"])
                #expect(hello["result"]?["capabilities"] == ["subscriptions"])
                #expect(hello["result"]?["maxMsgSize"] == 4_194_304)
                #expect(hello["result"]?["clientID"]?.stringValue?.count == 33)

                for (request, replies) in [
                    ("rpc.call.add", ["rpc.result.add"]),
                    ("rpc.call.add_kwargs", ["rpc.result.add_kwargs"]),
                    ("rpc.call.unknown_method", ["error.method_not_found"]),
                    ("rpc.call.start", ["publish.tick.0", "publish.tick.1", "rpc.result.start"]),
                    ("rpc.call.bytes", ["rpc.result.bytes"]),
                ] {
                    try await peer.send(try frame(request))
                    for reply in replies {
                        #expect(hex(try await peer.nextPayload().payload) == hex(try payload(reply)), "\(reply)")
                    }
                }
            }
        }
    }

    @Test func sessionBWrongSecretGetsTheErrorAndTheSocketStaysOpen() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(try frame("hello.request.wrong_secret"))
                #expect(try await peer.nextPayload().payload == (try payload("error.authentication_failed")))
                try await peer.send(try frame("hello.request"))
                let hello = try MsgPackValue(decoding: try await peer.nextPayload().payload)
                #expect(hello["result"]?["maxMsgSize"] == 4_194_304)
            }
        }
    }

    @Test func sessionCChunksBothWaysAt128Bytes() async throws {
        var configuration = WSLinkServerConfiguration()
        configuration.maxMessageSize = 128
        try await TestServer.with(configuration: configuration) { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(try frame("chunked.hello.request"))
                let hello = try MsgPackValue(decoding: try await peer.nextPayload().payload)
                #expect(hello["result"]?["maxMsgSize"] == 128)
                try await peer.send(try frame("chunked.call.part1"))
                try await peer.send(try frame("chunked.call.part2"))
                let reply = try await peer.nextPayload()
                let expected = try V2Message.named("chunked.result.part2").chunks
                #expect(reply.chunks.count == 2)
                // Identical apart from the random 4-byte chunk id.
                #expect(reply.chunks.map { hex($0.dropFirst(4)) } == expected.map { hex($0.dropFirst(4)) })
            }
        }
    }

    @Test func sessionDProbesGetAnswersAndNobodyIsDropped() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(try frame("probe.rpc_before_hello"))
                #expect(try await peer.nextPayload().payload == (try payload("error.unauthorized")))
                try await peer.send(try frame("probe.unknown_system_method"))
                #expect(try await peer.nextPayload().payload == (try payload("error.unknown_system_method")))
                try await peer.send(try frame("probe.text_frame"))
                try await peer.send(try frame("probe.message_without_id"))
                try await peer.send(try frame("probe.hello"))
                let hello = try MsgPackValue(decoding: try await peer.nextPayload().payload)
                #expect(hello["id"] == "system:c0:0")
                #expect(hello["result"]?["clientID"] != nil)
                try await peer.send(try frame("probe.foreign_client_id"))
                #expect(try await peer.nextPayload().payload == (try payload("probe.foreign_client_id.result")))
                try await peer.send(try frame("probe.id_without_method"))
                let error = try MsgPackValue(decoding: try await peer.nextPayload().payload)
                #expect(error == ["wslink": "1.0", "id": "rpc:cX:1", "error": ["code": -32600, "message": "Invalid request: request without method"]])
                #expect(peer.received.all.count == 5)
            }
        }
    }

    @Test func anOversizedPreAuthMessageClosesWith1009AndOthersAreUnaffected() async throws {
        try await TestServer.with { server in
            let closeCode = try await server.client().withConnection { connection in
                var header: [UInt8] = []
                WSLinkChunkHeader(id: 1, offset: 0, size: 20000).write(to: &header)
                try await connection.write(.binary(header + [UInt8](repeating: 0, count: 20000)))
                for try await _ in connection.inbound {}
            }.closeCode
            #expect(closeCode == .messageTooBig)
            try await RawPeer.with(server) { peer in
                try await peer.send(try frame("hello.request"))
                _ = try await peer.nextPayload()
                try await peer.send(try frame("rpc.call.add"))
                #expect(try await peer.nextPayload().payload == (try payload("rpc.result.add")))
            }
        }
    }
}

/// The 1.x session of wslink-v1.json against a real Switchboard server running the 1.x demo.
@Suite(.timeLimit(.minutes(2))) struct WSLinkRawClientV1Tests {
    static func v1DemoRouter() -> WSLinkRouter {
        var router = WSLinkRouter()
        router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
        router.expose("demo.bytes", parameters: "n") { (n: Int) -> MsgPackValue in
            ["blob": .binary((0..<n).map { UInt8(truncatingIfNeeded: $0) }), "n": .integer(n), "pair": [.binary([1, 2]), .binary([3])]]
        }
        router.expose("demo.len", parameters: "data") { (data: [UInt8]) -> MsgPackValue in ["type": "bytes", "len": .integer(data.count)] }
        // Python 1.x cannot serialize raw bytes; here the closest unserializable value is an ext.
        router.expose("demo.rawbytes") { () in MsgPackValue.ext(type: 1, data: Array("abc".utf8)) }
        router.expose("demo.special") { () in [Double.infinity, Double.nan] }
        router.expose("demo.start", parameters: .init("count", default: 2)) { (context: WSLinkContext, count: Int) async throws -> Int in
            for i in 0..<count {
                try context.publisher.publish("demo.tick", ["i": .integer(i), "img": .binary([UInt8](repeating: UInt8(i), count: 3))])
                try await Task.sleep(for: .milliseconds(50))
            }
            return count
        }
        return router
    }

    @Test func session1xRepliesMatchThePythonServerFrameForFrame() async throws {
        let file = try GoldenVectorFile.load("wslink-v1")
        let session = file.vectors.filter { $0.session == "A" }
        try await TestServer.with(router: Self.v1DemoRouter()) { server in
            try await RawPeer.with(server) { peer in
                var index = 0
                while index < session.count {
                    let vector = session[index]
                    let frame: Frame = vector.frame == "text" ? .text(vector.text!) : .binary(vector.bytes!)
                    if vector.direction == "client->server" {
                        try await peer.send(frame)
                    } else if vector.name == "hello.reply" {
                        guard case .text(let text) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary hello reply") }
                        let reply = try JSONValue(parsing: text)
                        #expect(reply.objectValue?.map(\.key) == ["wslink", "id", "result"])
                        // The Python keys first, then the announced-subscriptions capability (Protocols.md §4).
                        #expect(reply["result"]?.objectValue?.map(\.key) == ["clientID", "capabilities"])
                        #expect(reply["result"]?["capabilities"] == .array([.string("subscriptions")]))
                    } else {
                        #expect(try await peer.nextText() == frame, "\(vector.name)")
                    }
                    index += 1
                }
            }
        }
    }

    @Test func session1xWrongSecretIsRefused() async throws {
        let file = try GoldenVectorFile.load("wslink-v1")
        try await TestServer.with(router: Self.v1DemoRouter()) { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(.text(try #require(file.vector(named: "hello.request.wrong_secret")?.text)))
                #expect(try await peer.nextText() == .text(try #require(file.vector(named: "error.authentication_failed")?.text)))
            }
        }
    }
}
