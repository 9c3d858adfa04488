import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

/// Loopback proofs that the originals' routing bugs are fixed (spec §13 B6, B7).
@Suite("CrossComm hub: broadcast race and head-of-line blocking (loopback)")
struct CrossCommBugFixTests {
    @Test("60 broadcasts of 300 KB with a non-reading receiver and 5 concurrent logins: the healthy receiver gets all 60")
    func broadcastUnderLoad() async throws {
        try await TestServer.with { server in
            let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
            defer { releaseContinuation.finish() }
            let loggedIn = EventLog<String>()
            /// A raw peer that logs in, then either never reads again or drains without decoding
            /// (so five extra decoders do not compete with the test for two cores).
            @Sendable func rawPeer(_ id: String, reads: Bool) -> Task<Void, any Error> {
                Task {
                    _ = try await server.clientTransport().withConnection { connection in
                        try await connection.write(CrossCommMessage(type: .login, content: .object([]), from: id, to: "server").frame)
                        var frames = connection.inbound.makeAsyncIterator()
                        _ = try await frames.next()
                        loggedIn.append(id)
                        if reads {
                            while try await frames.next() != nil {}
                        } else {
                            for await _ in release {}
                        }
                    }
                }
            }
            let stalled = rawPeer("stalled", reads: false)
            #expect(try await loggedIn.next() == "stalled")

            let sender = server.client("sender"), healthy = server.client("healthy")
            let received = Recorder<Int>()
            healthy.onMessage(type: .text, from: "sender") { message in
                received.append(Int(message.text?.prefix(while: { $0 != ":" }) ?? "") ?? -1)
            }
            try await sender.login()
            try await healthy.login()
            let padding = String(repeating: "x", count: 300_000)
            // Five logins race the broadcasts (pywayne lost one of 60 to this: B6).
            let latecomers = (1...5).map { rawPeer("late\($0)", reads: true) }
            // Every send returns although "stalled" has not read a byte: nobody waits for it (B7).
            for index in 0..<60 { try await sender.send("\(index):\(padding)") }
            try await waitUntil(.seconds(30), "60 broadcasts at the healthy receiver") { received.count == 60 }
            #expect(received.values == Array(0..<60))
            try await waitUntil(.seconds(10), "latecomers logged in") { loggedIn.all.count == 6 }
            #expect(server.hub.onlineClients().count == 8)
            #expect(server.hub.statistics.forwarded >= 120)
            releaseContinuation.finish()
            for peer in [stalled] + latecomers { peer.cancel() }
            await sender.logout()
            await healthy.logout()
        }
    }
}
