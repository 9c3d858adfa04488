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
            let stalledLoggedIn = EventLog<Bool>()
            // A receiver that logs in, then never reads again.
            let stalled = Task {
                try await server.clientTransport().withConnection { connection in
                    try await connection.write(CrossCommMessage(type: .login, content: .object([]), from: "stalled", to: "server").frame)
                    var frames = connection.inbound.makeAsyncIterator()
                    _ = try await frames.next()
                    stalledLoggedIn.append(true)
                    for await _ in release {}
                }
            }
            defer { releaseContinuation.finish() }
            _ = try await stalledLoggedIn.next()

            let sender = server.client("sender"), healthy = server.client("healthy")
            let received = Recorder<Int>()
            healthy.onMessage(type: .text, from: "sender") { message in
                received.append(Int(message.text?.prefix(while: { $0 != ":" }) ?? "") ?? -1)
            }
            try await sender.login()
            try await healthy.login()
            let padding = String(repeating: "x", count: 300_000)
            let latecomers = (1...5).map { server.client("late\($0)") }
            try await withThrowingTaskGroup { group in
                for client in latecomers { group.addTask { try await client.login() } }
                // Every send returns although "stalled" has not read a byte: nobody waits for it.
            for index in 0..<60 { try await sender.send("\(index):\(padding)") }
                try await group.waitForAll()
            }
            try await waitUntil(.seconds(30), "60 broadcasts at the healthy receiver") { received.count == 60 }
            #expect(received.values == Array(0..<60))
            #expect(server.hub.onlineClients().count == 8)
            #expect(server.hub.statistics.forwarded >= 120)
            releaseContinuation.finish()
            stalled.cancel()
            for client in [sender, healthy] + latecomers { await client.logout() }
        }
    }
}
