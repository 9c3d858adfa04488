import Siyi
import SwitchboardCore
import SwitchboardTesting
import Testing

/// siyi has no hello: a connection that sends nothing siyi accepts is closed with 1008 after
/// the handshake timeout (issue 16); one that sent a request stays.
@Suite("siyi handshake timeout")
struct SiyiHandshakeTimeoutTests {
    @Test("a silent peer and one sending only garbage are closed with 1008; a peer that sent a request stays")
    func handshakeDeadline() async throws {
        var configuration = SiyiServer.Configuration(heartbeat: nil)
        configuration.handshakeTimeout = .milliseconds(300)
        let server = SiyiServerTests.echoServer(configuration)
        try await withInMemoryServer(server) { transport in
            let active = try RawPeer(transport)
            active.send(#"{"id":"1","type":"request","command":"echo","params":{"a":1}}"#)
            guard case .response(let response) = try await active.next() else { Issue.record("no response"); return }
            #expect(response.isSuccess)
            let silent = try RawPeer(transport)
            let garbage = try RawPeer(transport)
            garbage.send("not json")
            #expect(try await silent.connection.waitForClose(timeout: .seconds(5)) == .policyViolation)
            #expect(try await garbage.connection.waitForClose(timeout: .seconds(5)) == .policyViolation)
            #expect(active.connection.closeFrame == nil)
            active.send(#"{"id":"2","type":"request","command":"echo","params":null}"#)
            guard case .response(let second) = try await active.nextNonHeartbeat() else { Issue.record("no response"); return }
            #expect(second.isSuccess)
        }
    }

    @Test("with heartbeats on, answering the first heartbeat counts")
    func heartbeatAnswerCounts() async throws {
        var configuration = SiyiServer.Configuration(heartbeat: HeartbeatPolicy(interval: .milliseconds(50), timeout: .seconds(3)))
        configuration.handshakeTimeout = .milliseconds(600)
        let server = SiyiServerTests.echoServer(configuration)
        try await withInMemoryServer(server) { transport in
            let listener = try RawPeer(transport)
            let silent = try RawPeer(transport)
            guard case .request(let beat) = try await listener.next() else { Issue.record("no heartbeat"); return }
            listener.send(SiyiMessage.response(.success(id: beat.id, data: .null)).encoded())
            #expect(try await silent.connection.waitForClose(timeout: .seconds(5)) == .policyViolation)
            #expect(listener.connection.closeFrame == nil)
        }
    }
}
