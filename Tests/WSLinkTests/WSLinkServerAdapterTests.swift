import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkServerAdapterTests {
    @Test func demoCallsGetThePythonServersReplies() async throws {
        try await InMemoryWSLinkServer.with { server in
            let peer = try server.connect()
            let clientID = try await peer.helloV2()
            #expect(clientID.count == 33 && clientID.hasPrefix("c"))
            #expect(clientID.dropFirst().allSatisfy { $0.isHexDigit && !$0.isUppercase })
            peer.send(v2Frame(callValue("rpc:\(clientID):0", "demo.add", [2, 3])))
            #expect(try await peer.nextV2() == ["wslink": "1.0", "id": .string("rpc:\(clientID):0"), "result": 5])
            peer.send(v2Frame(callValue("rpc:\(clientID):1", "no.such.method")))
            #expect(try await peer.nextV2()["error"] == ["code": -32601, "message": "Unregistered method called", "data": "no.such.method"])
            peer.send(v2Frame(callValue("rpc:\(clientID):2", "demo.fail")))
            #expect(try await peer.nextV2()["error"]?["data"]?["exception"] == "ValueError('boom')")
        }
    }

    @Test func publishesReachAuthenticatedClientsBeforeTheAsyncResult() async throws {
        try await InMemoryWSLinkServer.with { server in
            let caller = try server.connect()
            let watcher = try server.connect()
            let stranger = try server.connect()
            let callerID = try await caller.helloV2()
            _ = try await watcher.helloV2()
            stranger.send(v2Frame(helloValue("wrong")))
            #expect(try await stranger.nextV2()["error"]?["code"] == -32000)
            caller.send(v2Frame(callValue("rpc:\(callerID):0", "demo.start", [2])))
            for peer in [caller, watcher] {
                #expect(try await peer.nextV2() == ["wslink": "1.0", "id": "publish:demo.tick:0", "result": ["i": 0, "bin": .binary([0, 1])]])
                #expect(try await peer.nextV2() == ["wslink": "1.0", "id": "publish:demo.tick:0", "result": ["i": 1, "bin": .binary([1, 2])]])
            }
            #expect(try await caller.nextV2()["result"] == ["published": 2])
            // The unauthenticated socket got nothing but its error; it still works afterwards.
            #expect(stranger.written.count == 1)
            _ = try await stranger.helloV2()
        }
    }

    @Test func publishTargetsAndTopicValidation() async throws {
        try await InMemoryWSLinkServer.with { server in
            let first = try server.connect()
            let second = try server.connect()
            let firstID = try await first.helloV2()
            let secondID = try await second.helloV2()
            #expect(server.adapter.publisher.clientIDs == [firstID, secondID].sorted())
            #expect(try server.adapter.publisher.publish("only.you", 1, to: .client(secondID)) == 1)
            #expect(try await second.nextV2()["id"] == "publish:only.you:0")
            first.send(v2Frame(callValue("rpc:\(firstID):0", "demo.add", [1, 1])))
            _ = try await first.nextV2()
            #expect(try server.adapter.publisher.publish("not.the.caller", 2, to: .allExceptLastActive) == 1)
            #expect(try await second.nextV2()["id"] == "publish:not.the.caller:0")
            for bad in ["demo-tick", "demo/tick", "a:b", "", "a..b", "é"] {
                let error = #expect(throws: WSLinkError.self) { try server.adapter.publisher.publish(bad, 1) }
                #expect(error?.code == .invalidTopic, "\(bad)")
            }
        }
    }

    @Test func largeResultsAreChunkedAtMaxMessageSize() async throws {
        var configuration = WSLinkServerConfiguration()
        configuration.maxMessageSize = 1000
        try await InMemoryWSLinkServer.with(configuration: configuration) { server in
            let peer = try server.connect()
            let id = try await peer.helloV2()
            #expect(peer.written.count == 1)
            peer.send(v2Frame(callValue("rpc:\(id):0", "demo.bytes", [5000])))
            let reply = try await peer.nextV2()
            #expect(reply["result"]?["blob"]?.binaryValue == (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
            #expect(peer.written.count == 1 + 6)
            #expect(peer.written.allSatisfy { $0.byteCount <= 1000 })
        }
    }

    @Test func hostileInputClosesOnlyTheOffenderAndOthersKeepBeingServed() async throws {
        try await InMemoryWSLinkServer.with { server in
            let good = try server.connect()
            let goodID = try await good.helloV2()
            var header: [UInt8] = []
            WSLinkChunkHeader(id: 1, offset: 0, size: 1 << 20).write(to: &header)

            let cases: [(String, [Frame], CloseCode)] = [
                ("oversized before auth", [.binary(header + [0])], .messageTooBig),
                ("truncated msgpack", [.binary([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x92, 0x01])], .invalidPayload),
                ("1.x binary without header", [.text(#"{"wslink":"1.0","id":"system:c0:0","method":"wslink.hello","args":[{"secret":"wslink-secret"}],"kwargs":{}}"#), .binary([1])], .protocolError),
            ]
            for (name, frames, expected) in cases {
                let bad = try server.connect()
                for frame in frames { bad.send(frame) }
                #expect(try await bad.waitForClose() == expected, "\(name)")
            }

            let flooder = try server.connect()
            _ = try await flooder.helloV2()
            for id in 0..<10_000 {
                var chunk: [UInt8] = []
                WSLinkChunkHeader(id: UInt32(id), offset: 0, size: 100).write(to: &chunk)
                flooder.send(.binary(chunk + [0]))
            }
            #expect(try await flooder.waitForClose() == .policyViolation)

            let noMethod = try server.connect()
            _ = try await noMethod.helloV2()
            noMethod.send(v2Frame(["wslink": "1.0", "id": "rpc:cX:1", "args": []]))
            #expect(try await noMethod.nextV2()["error"]?["code"] == -32600)
            noMethod.send(v2Frame(["wslink": "1.0", "id": "rpc:cX:2", "method": "demo.add", "args": 3]))
            #expect(try await noMethod.nextV2()["error"]?["code"] == -32602)
            noMethod.send(.text("not for 2.x"))
            noMethod.send(v2Frame(callValue("rpc:cX:3", "demo.add", [1, 2])))
            #expect(try await noMethod.nextV2()["result"] == 3)

            good.send(v2Frame(callValue("rpc:\(goodID):0", "demo.add", [2, 3])))
            #expect(try await good.nextV2()["result"] == 5)
            #expect(good.closeFrame == nil)
        }
    }

    @Test func aSilentConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        var configuration = WSLinkServerConfiguration()
        configuration.handshakeTimeout = .milliseconds(100)
        try await InMemoryWSLinkServer.with(configuration: configuration) { server in
            let silent = try server.connect()
            #expect(try await silent.waitForClose() == .policyViolation)
            let prompt = try server.connect()
            _ = try await prompt.helloV2()
            prompt.send(v2Frame(callValue("rpc:c:0", "demo.start", [3])))
            for _ in 0..<3 { _ = try await prompt.nextV2() }
            #expect(try await prompt.nextV2()["result"] == ["published": 3])
            #expect(prompt.closeFrame == nil)
        }
    }

    @Test func exitRequestsReachTheHost() async throws {
        let requests = EventLog<Duration>()
        var configuration = WSLinkServerConfiguration()
        configuration.onExitRequest = { requests.append($0) }
        try await InMemoryWSLinkServer.with(configuration: configuration) { server in
            let peer = try server.connect()
            _ = try await peer.helloV2()
            peer.send(v2Frame(callValue("rpc:c:0", "application.exit.later", [2])))
            #expect(try await peer.nextV2() == ["wslink": "1.0", "id": "rpc:c:0", "result": .nil])
            #expect(try await requests.next() == .seconds(2))
        }
    }

    @Test func aCustomValidatorDecidesAndSeesTheClientID() async throws {
        let seen = EventLog<String>()
        var configuration = WSLinkServerConfiguration(secret: "unused")
        configuration.validateToken = { token, clientID in
            seen.append(clientID)
            return token == "jwt-ok"
        }
        try await InMemoryWSLinkServer.with(configuration: configuration) { server in
            let peer = try server.connect()
            peer.send(v2Frame(helloValue("unused")))
            #expect(try await peer.nextV2()["error"]?["message"] == "Authentication failed")
            let id = try await peer.helloV2("jwt-ok")
            #expect(seen.all == [id, id])
        }
    }
}
