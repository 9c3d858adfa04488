import CrossComm
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Token-bound logins (Protocols.md §5.9): the subject must be the client id, a second login
/// under an online id with another token is refused, and nothing but a login is served before it.
@Suite("CrossComm token-bound logins")
struct CrossCommTokenLoginTests {
    static let verifier = StaticTokenVerifier([
        "alice-1": "alice", "alice-2": "alice", "bob-1": "bob", "mallory-1": "mallory",
    ])

    static var configuration: CrossCommHub.Configuration {
        var configuration = CrossCommHub.Configuration.default
        configuration.tokenVerifier = verifier
        return configuration
    }

    static func loginFrame(_ id: String, token: String?) -> Frame {
        let content: JSONValue = token.map { .object([.init(key: "token", value: .string($0))]) } ?? .object([])
        return CrossCommMessage(type: .login, content: content, from: id, to: "server").frame
    }

    static func login(_ id: String, token: String, _ transport: InMemoryServerTransport) async throws -> RecordingConnection {
        let peer = try transport.connect(adapter: "crosscomm")
        peer.send(loginFrame(id, token: token))
        let reply = try CrossCommMessage(decoding: try await peer.nextWritten())
        #expect(reply.type == .loginResponse && reply.to == id)
        return peer
    }

    @Test("a token for one's own id logs in; claims of other ids, forged and missing tokens are refused with 4502")
    func subjectMustBeTheClientID() async throws {
        try await CrossCommHubTests.withHub(Self.configuration) { transport, hub in
            let alice = try await Self.login("alice", token: "alice-1", transport)
            for (id, token) in [("bob", "mallory-1"), ("mallory", "forged"), ("mallory", nil), ("mallory", "")] as [(String, String?)] {
                let peer = try transport.connect(adapter: "crosscomm")
                peer.send(Self.loginFrame(id, token: token))
                #expect(try await peer.waitForClose(timeout: .seconds(5)) == .unauthorized)
                #expect(peer.written.isEmpty)
            }
            #expect(hub.onlineClients() == ["alice"])
            #expect(alice.closeFrame == nil)
        }
    }

    @Test("nobody takes over an online id with another token: the victim keeps its session and messages")
    func noTakeover() async throws {
        try await CrossCommHubTests.withHub(Self.configuration) { transport, hub in
            let alice = try await Self.login("alice", token: "alice-1", transport)
            let bob = try await Self.login("bob", token: "bob-1", transport)
            // Mallory with her own valid token, claiming alice's id; then with a second token of alice's.
            for token in ["mallory-1", "alice-2"] {
                let intruder = try transport.connect(adapter: "crosscomm")
                intruder.send(Self.loginFrame("alice", token: token))
                #expect(try await intruder.waitForClose(timeout: .seconds(5)) == .unauthorized)
            }
            bob.send(CrossCommHubTests.text("for alice only", from: "bob", to: "alice"))
            #expect(try CrossCommMessage(decoding: try await alice.nextWritten()).text == "for alice only")
            #expect(alice.closeFrame == nil)
            #expect(hub.onlineClients() == ["alice", "bob"])
        }
    }

    @Test("the same token logs in again on a new connection (a restarted client), replacing the old one")
    func sameCredentialReconnects() async throws {
        try await CrossCommHubTests.withHub(Self.configuration) { transport, hub in
            let old = try await Self.login("alice", token: "alice-1", transport)
            let new = try await Self.login("alice", token: "alice-1", transport)
            #expect(try await old.waitForClose(timeout: .seconds(5)) == .replaced)
            #expect(new.closeFrame == nil)
            // Once alice is offline, her other token may log in.
            new.disconnect()
            try await waitUntil(.seconds(5), "alice offline") { hub.onlineClients().isEmpty }
            _ = try await Self.login("alice", token: "alice-2", transport)
        }
    }

    @Test("before the login nothing is answered; the upgrade's bearer token also logs in")
    func nothingBeforeLoginAndUpgradeToken() async throws {
        try await CrossCommHubTests.withHub(Self.configuration) { transport, hub in
            _ = try await Self.login("alice", token: "alice-1", transport)
            let peer = try transport.connect(adapter: "crosscomm", headers: Headers([(name: "Authorization", value: "Bearer bob-1")]))
            peer.send(CrossCommMessage(type: .listClients, content: .object([]), from: "bob", to: "server").frame)
            peer.send(CrossCommHubTests.text("spam", from: "bob", to: "alice"))
            peer.send(Self.loginFrame("bob", token: nil))
            // The first answer is the login's: list_clients and the text before it were dropped.
            #expect(try CrossCommMessage(decoding: try await peer.nextWritten()).type == .loginResponse)
            #expect(hub.onlineClients() == ["alice", "bob"])
            let refused = try transport.connect(adapter: "crosscomm", headers: Headers([(name: "Authorization", value: "Bearer forged")]))
            #expect(try await refused.waitForClose(timeout: .seconds(5)) == .unauthorized)
        }
    }
}
