import CrossComm
import SwitchboardCore
import SwitchboardTesting
import Testing

/// A connection that never logs in is closed with 1008 after the login timeout (issue 16);
/// one that logged in is not.
@Suite("CrossComm login timeout")
struct CrossCommLoginTimeoutTests {
    @Test("silent and heartbeat-only connections are closed with 1008; a logged-in client stays and gets messages")
    func loginDeadline() async throws {
        var configuration = CrossCommHub.Configuration.default
        configuration.loginTimeout = .milliseconds(300)
        try await CrossCommHubTests.withHub(configuration) { transport, hub in
            let alice = try await CrossCommHubTests.login("alice", transport)
            let silent = try transport.connect(adapter: "crosscomm")
            let beating = try transport.connect(adapter: "crosscomm")
            beating.send(CrossCommMessage(type: .heartbeat, content: .object([]), from: "mallory", to: "server").frame)
            #expect(try await silent.waitForClose(timeout: .seconds(5)) == .policyViolation)
            #expect(try await beating.waitForClose(timeout: .seconds(5)) == .policyViolation)
            #expect(silent.closeFrame?.reason.hasPrefix("no login within") == true)
            // alice's deadline has passed too (she connected first): she is still served.
            #expect(alice.closeFrame == nil)
            let bob = try await CrossCommHubTests.login("bob", transport)
            bob.send(CrossCommHubTests.text("still here?", from: "bob", to: "alice"))
            #expect(try CrossCommMessage(decoding: try await alice.nextWritten()).text == "still here?")
            #expect(hub.onlineClients() == ["alice", "bob"])
        }
    }

    @Test("nil login timeout waits as pywayne does")
    func noDeadline() async throws {
        #expect(CrossCommHub.Configuration.default.loginTimeout == .seconds(30))
        var configuration = CrossCommHub.Configuration.default
        configuration.loginTimeout = nil
        try await CrossCommHubTests.withHub(configuration) { transport, _ in
            let silent = try transport.connect(adapter: "crosscomm")
            await #expect(throws: (any Error).self) { _ = try await silent.waitForClose(timeout: .milliseconds(300)) }
        }
    }
}
