import CrossComm
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The hub adapter end to end over the in-memory transport.
@Suite("CrossComm hub adapter (in memory)")
struct CrossCommHubTests {
    static func withHub(
        _ configuration: CrossCommHub.Configuration = .default,
        _ body: @escaping @Sendable (InMemoryServerTransport, CrossCommHub) async throws -> Void
    ) async throws {
        let transport = InMemoryServerTransport()
        let hub = CrossCommHub(configuration: configuration, logger: TestServer.quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: [hub], logger: TestServer.quietLogger)
        let group = ServiceGroup(services: [server], logger: TestServer.quietLogger)
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await body(transport, hub)
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    static func login(_ id: String, _ transport: InMemoryServerTransport) async throws -> RecordingConnection {
        let peer = try transport.connect(adapter: "crosscomm")
        peer.send(CrossCommMessage(type: .login, content: .object([]), from: id, to: "server").frame)
        let reply = try CrossCommMessage(decoding: try await peer.nextWritten())
        #expect(reply.type == .loginResponse && reply.to == id)
        return peer
    }

    static func text(_ content: String, from: String, to: String) -> Frame {
        CrossCommMessage(type: .text, content: .string(content), from: from, to: to).frame
    }

    @Test("hostile input is dropped and counted; the connection and everyone else keep working")
    func hostileInput() async throws {
        try await Self.withHub { transport, hub in
            let alice = try await Self.login("alice", transport)
            let bob = try await Self.login("bob", transport)
            let hostile: [Frame] = [
                .text("not json{"),
                .text("[1, 2, 3]"),
                .text(#"{"msg_id": "m", "from_client_id": "alice", "to_client_id": "bob", "msg_type": "text", "content": "no ts"}"#),
                .text(#"{"msg_id": "m", "from_client_id": "alice", "to_client_id": "bob", "msg_type": "video", "content": "?", "timestamp": 1.0}"#),
                .text(#"{"msg_id": "m", "from_client_id": "alice", "to_client_id": "bob", "msg_type": "text", "content": "x", "timestamp": 1.0, "extra": 1}"#),
                .text(#"{"msg_id": 7, "from_client_id": "alice", "to_client_id": "bob", "msg_type": "text", "content": "x", "timestamp": "now"}"#),
                .binary([0xff, 0xfe, 0x00]),
            ]
            for frame in hostile { alice.send(frame) }
            alice.send(Self.text("still here", from: "alice", to: "bob"))
            let delivered = try CrossCommMessage(decoding: try await bob.nextWritten())
            #expect(delivered.text == "still here")
            #expect(hub.statistics.invalid == hostile.count)
            #expect(alice.closeFrame == nil)
        }
    }

    @Test("a 10 MB text closes only that connection with 1009; others keep being served")
    func oversized() async throws {
        try await Self.withHub { transport, hub in
            let alice = try await Self.login("alice", transport)
            let bob = try await Self.login("bob", transport)
            let carol = try await Self.login("carol", transport)
            // Built by hand: encoding 10 MB through the JSON writer in a debug build is slow.
            let padding = String(repeating: "x", count: 10_000_000)
            alice.send(.text(#"{"msg_id": "alice_1", "from_client_id": "alice", "to_client_id": "bob", "msg_type": "text", "content": ""# + padding + #"", "timestamp": 1.5, "oss_key": null}"#))
            #expect(try await alice.waitForClose() == .messageTooBig)
            #expect(alice.closeFrame?.reason == "frame exceeds limit of 1048576 bytes")
            carol.send(Self.text("after", from: "carol", to: "bob"))
            #expect(try CrossCommMessage(decoding: try await bob.nextWritten()).text == "after")
            #expect(hub.statistics.oversized == 1)
            try await waitUntil(.seconds(5), "alice offline") { hub.onlineClients() == ["bob", "carol"] }
        }
    }

    @Test("duplicate login: the older connection is closed with 4501 and the id stays online on the newer")
    func duplicateLogin() async throws {
        try await Self.withHub { transport, hub in
            let first = try await Self.login("alice", transport)
            let second = try await Self.login("alice", transport)
            #expect(try await first.waitForClose() == .replaced)
            let bob = try await Self.login("bob", transport)
            bob.send(Self.text("to the new one", from: "bob", to: "alice"))
            #expect(try CrossCommMessage(decoding: try await second.nextWritten()).text == "to the new one")
            #expect(hub.onlineClients() == ["alice", "bob"])
        }
    }

    @Test("a client silent past the heartbeat deadline is closed with 4001 and marked offline")
    func heartbeatTimeout() async throws {
        let policy = HeartbeatPolicy(interval: .milliseconds(100), timeout: .milliseconds(100))
        try await Self.withHub(.init(heartbeat: policy)) { transport, hub in
            let alice = try await Self.login("alice", transport)
            #expect(try await alice.waitForClose(timeout: .seconds(5)) == .heartbeatTimeout)
            try await waitUntil(.seconds(5), "alice offline") { hub.onlineClients().isEmpty }
            #expect(hub.statistics.heartbeatTimeouts == 1)
        }
    }

    @Test("a spoofed from_client_id is not forwarded")
    func spoofed() async throws {
        try await Self.withHub { transport, hub in
            let alice = try await Self.login("alice", transport)
            let bob = try await Self.login("bob", transport)
            let stranger = try transport.connect(adapter: "crosscomm")
            stranger.send(Self.text("forged, never logged in", from: "alice", to: "bob"))
            alice.send(Self.text("forged by alice", from: "carol", to: "bob"))
            alice.send(Self.text("genuine", from: "alice", to: "bob"))
            let received = try CrossCommMessage(decoding: try await bob.nextWritten())
            #expect(received.text == "genuine")
            #expect(hub.statistics.spoofed == 1)
            #expect(hub.statistics.notLoggedIn == 1)
        }
    }

    @Test("server-side listeners are called; server-side send and broadcast reach clients")
    func serverSide() async throws {
        try await Self.withHub { transport, hub in
            let seen = Recorder<String>()
            hub.onMessage(type: .text, from: "alice") { seen.append($0.text ?? "") }
            hub.onMessage(type: .dict) { _ in seen.append("dict") }
            let alice = try await Self.login("alice", transport)
            let bob = try await Self.login("bob", transport)
            alice.send(Self.text("to the hub", from: "alice", to: "server"))
            bob.send(Self.text("not from alice", from: "bob", to: "server"))
            try await waitUntil(.seconds(5), "listener") { seen.count == 1 }
            #expect(hub.send(.string("direct"), type: .text, to: "bob") == 1)
            #expect(hub.broadcast(.string("everyone"), type: .text) == 2)
            #expect(try CrossCommMessage(decoding: try await bob.nextWritten()).text == "direct")
            let broadcast = try CrossCommMessage(decoding: try await alice.nextWritten())
            #expect(broadcast.text == "everyone" && broadcast.from == "server")
            #expect(seen.values == ["to the hub"])
            #expect(hub.onlineClients() == ["alice", "bob"])
        }
    }

    @Test("offline queue delivers at the next login, after login_response")
    func offlineQueue() async throws {
        try await Self.withHub(.init(offlineQueue: .init())) { transport, _ in
            let alice = try await Self.login("alice", transport)
            alice.send(Self.text("while you were away", from: "alice", to: "bob"))
            alice.send(Self.text("ping", from: "alice", to: "alice"))
            _ = try await alice.nextWritten()  // the echo proves the first message was processed
            let bob = try await Self.login("bob", transport)
            #expect(try CrossCommMessage(decoding: try await bob.nextWritten()).text == "while you were away")
        }
    }
}
