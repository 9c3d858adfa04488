import Siyi
import SwitchboardCore
import SwitchboardTesting
import Testing

/// siyi with authenticated identities (Protocols.md §9): the upgrade must carry an accepted
/// bearer token; others are closed with 4502 before they become peers.
@Suite("siyi token on the upgrade")
struct SiyiTokenUpgradeTests {
    @Test("a bearer header or ?token= lets a peer in; none, or a forged one, closes with 4502")
    func upgradeToken() async throws {
        var configuration = SiyiServer.Configuration(heartbeat: nil)
        configuration.tokenVerifier = StaticTokenVerifier(["good": "device-1"])
        let server = SiyiServerTests.echoServer(configuration)
        try await withInMemoryServer(server) { transport in
            let bearer = try transport.connect(adapter: "siyi", headers: Headers([(name: "Authorization", value: "Bearer good")]))
            bearer.send(.text(#"{"id":"1","type":"request","command":"echo","params":{"a":1}}"#))
            guard case .text(let answer) = try await bearer.nextWritten() else { Issue.record("no text answer"); return }
            #expect(answer.contains(#""status":"ok""#) || answer.contains(#""status": "ok""#))
            for headers in [Headers(), Headers([(name: "Authorization", value: "Bearer forged")])] {
                let stranger = try transport.connect(adapter: "siyi", headers: headers)
                stranger.send(.text(#"{"id":"2","type":"request","command":"echo","params":null}"#))
                #expect(try await stranger.waitForClose(timeout: .seconds(5)) == .unauthorized)
                #expect(stranger.written.isEmpty)
            }
            #expect(server.peers.count == 1)
        }
    }
}
