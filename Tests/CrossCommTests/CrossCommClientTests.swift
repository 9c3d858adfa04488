import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

/// Swift clients against the hub over real loopback WebSockets.
@Suite("CrossComm client (loopback)")
struct CrossCommClientTests {
    @Test("two clients: login, broadcast, directed dict/bytes/json, own messages filtered, list_clients")
    func basics() async throws {
        try await TestServer.with { server in
            let alice = server.client("alice"), bob = server.client("bob")
            let atBob = EventLog<CrossCommMessage>(), atAlice = EventLog<CrossCommMessage>()
            bob.onMessage { atBob.append($0) }
            alice.onMessage { atAlice.append($0) }
            try await alice.login()
            try await bob.login()
            #expect(alice.isLoggedIn && bob.isLoggedIn)

            try await alice.send("Hello everyone! 你好")
            try await alice.send(.object([.init(key: "action", value: .string("update"))]), type: .dict, to: "bob")
            try await alice.send([0x00, 0x01, 0x62, 0xff], to: "bob")
            try await alice.send(#"{"k": "v"}"#, type: .json, to: "bob")
            let received = [try await atBob.next(), try await atBob.next(), try await atBob.next(), try await atBob.next()]
            #expect(received.map(\.type) == [.text, .dict, .bytes, .json])
            #expect(received[0].text == "Hello everyone! 你好")
            #expect(received[1].content["action"]?.stringValue == "update")
            #expect(received[2].bytes == [0x00, 0x01, 0x62, 0xff])
            #expect(received[3].jsonValue?["k"]?.stringValue == "v")

            try await bob.send("12345", to: "alice")
            #expect(try await atAlice.next().text == "12345")
            #expect(atAlice.all.allSatisfy { $0.from != "alice" })

            async let online = alice.listClients(onlyOnline: true)
            async let everyone = alice.listClients(onlyOnline: false)
            let (a, b) = try await (online, everyone)
            #expect(a.onlyOnline == true && b.onlyOnline == false)
            #expect(a.onlineIDs == ["alice", "bob"])

            await bob.logout()
            #expect(bob.status == .idle)
            try await waitUntil(.seconds(5), "bob offline") { server.hub.onlineClients() == ["alice"] }
            let after = try await alice.listClients(onlyOnline: false)
            #expect(after.clients.map(\.id) == ["alice", "bob"])
            #expect(after.clients.map(\.isOnline) == [true, false])
            await alice.logout()
        }
    }

    @Test("handlers filter by type and sender")
    func filters() async throws {
        try await TestServer.with { server in
            let alice = server.client("alice"), bob = server.client("bob"), carol = server.client("carol")
            let texts = EventLog<String>()
            carol.onMessage(type: .text, from: "bob") { texts.append($0.text ?? "") }
            for client in [alice, bob, carol] { try await client.login() }
            try await alice.send("from alice", to: "carol")
            try await bob.send(.object([]), type: .dict, to: "carol")
            try await bob.send("from bob", to: "carol")
            #expect(try await texts.next() == "from bob")
            #expect(texts.all == ["from bob"])
            for client in [alice, bob, carol] { await client.logout() }
        }
    }

    @Test("after the server drops the connection the client reconnects and logs in again")
    func reconnect() async throws {
        try await TestServer.with { server in
            let policy = ReconnectPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200), jitter: 0)
            let alice = server.client("alice", reconnect: policy)
            try await alice.login()
            let first = try #require(server.sessions.sessions(adapter: "crosscomm").first)
            first.close(code: .goingAway, reason: "test restart")
            try await waitUntil(.seconds(10), "a new login") {
                server.sessions.sessions(adapter: "crosscomm").contains { $0.id != first.id } && alice.isLoggedIn
            }
            #expect(server.hub.onlineClients() == ["alice"])
            try await alice.send("after reconnect", to: "alice")
            await alice.logout()
        }
    }

    @Test("a client replaced by a newer login stops with 4501 instead of fighting back")
    func replaced() async throws {
        try await TestServer.with { server in
            let policy = ReconnectPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200), jitter: 0)
            let older = server.client("alice", reconnect: policy), newer = server.client("alice", reconnect: policy)
            try await older.login()
            try await newer.login()
            try await waitUntil(.seconds(5), "older stopped") { older.status == .stopped(.replaced) }
            #expect(newer.isLoggedIn)
            #expect(server.hub.onlineClients() == ["alice"])
            await newer.logout()
        }
    }

    @Test("a message over 1 MiB is refused locally with messageTooLarge")
    func tooLarge() async throws {
        try await TestServer.with { server in
            let alice = server.client("alice")
            try await alice.login()
            do {
                try await alice.send(String(repeating: "x", count: 1 << 20))
                Issue.record("sent an oversized message")
            } catch let error as CrossCommError {
                #expect(error.code == .messageTooLarge)
            }
            #expect(alice.isLoggedIn)
            await alice.logout()
        }
    }
}
