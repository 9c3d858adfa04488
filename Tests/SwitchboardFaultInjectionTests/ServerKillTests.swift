import CrossComm
import MsgPack
import Siyi
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardTesting
import Testing
import WSLink

/// `kill -9` of a real `switchboard serve` under load, then a restart on the same ports: every
/// Swift client fails what was pending with a clear error, reconnects within its backoff
/// window, and CrossComm clients log in again with a consistent client list.
@Suite("Server killed under load", .timeLimit(.minutes(2)))
struct ServerKillTests {
    @Test("wslink, CrossComm and siyi clients fail pending calls, reconnect after a restart and work again")
    func killAndRestart() async throws {
        try await withServer { server in

            let wslink = wslinkClient(server.wslinkURL)
            let wslinkRun = Task { try await wslink.run() }
            defer { wslinkRun.cancel() }
            let siyi = siyiClient(server.siyiURL)
            siyi.connect()
            let ids = ["alice", "bob", "carol"]
            let crossComm = ids.map { crossCommClient(server.crossCommURL, id: $0) }
            let firstWSLinkID = try await wslink.waitUntilReady(timeout: .seconds(20))
            #expect(await siyi.waitConnected(timeout: .seconds(20)))
            for client in crossComm { try await client.login(timeout: .seconds(20)) }
            try await server.waitForStats(timeout: .seconds(10), "5 sessions") { $0.count("sessions") == 5 }

            // Load: calls back to back on every protocol, plus one wslink call that is certainly
            // pending at the kill (demo.start publishes for 12 s before it answers).
            let longCall = Task { () -> (any Error)? in
                do { _ = try await wslink.call("demo.start", kwargs: ["count": 240, "topic": "kill.tick"]); return nil } catch { return error }
            }
            // A call that starts after the client noticed the drop waits for the reconnect (bounded
            // by its timeout); one in flight fails with connectionClosed.
            let wslinkLoad = LoadLoop { i in _ = try await wslink.call("demo.add", args: [.integer(Int64(i)), 1], timeout: .seconds(2)) }
            let siyiLoad = LoadLoop { i in _ = try await siyi.request("echo", params: .object([.init(key: "i", value: .integer(Int64(i)))])) }
            let crossCommLoad = LoadLoop { _ in _ = try await crossComm[0].listClients() }
            // Paced by a round trip, so the sender cannot flood a debug build's two cores.
            let senderLoad = LoadLoop { i in
                _ = try await crossComm[1].send("load \(i)", to: "carol")
                _ = try await crossComm[1].listClients()
            }
            let loads = [wslinkLoad, siyiLoad, crossCommLoad, senderLoad]
            do {
                try await waitUntil(.seconds(20), "every load loop running") { loads.allSatisfy { $0.succeeded >= 5 } }
            } catch {
                for load in loads { Issue.record("load loop at \(load.succeeded) calls, ended: \(String(describing: load.endedWith))") }
                throw error
            }

            try await server.kill()
            let killed = ContinuousClock.now

            // Nothing hangs: every loop ends with a connection error within 3 s of the kill.
            let pendingLimit: Duration = .seconds(3)
            let longError = try await value(of: longCall, within: pendingLimit, "the pending demo.start call")
            #expect((longError as? WSLinkError)?.code == .connectionClosed, "pending wslink call: \(String(describing: longError))")
            let outcomes = [
                ("wslink demo.add", try await wslinkLoad.outcome(within: pendingLimit, "wslink load")),
                ("siyi echo", try await siyiLoad.outcome(within: pendingLimit, "siyi load")),
                ("crosscomm list_clients", try await crossCommLoad.outcome(within: pendingLimit, "crosscomm list load")),
                ("crosscomm send", try await senderLoad.outcome(within: pendingLimit, "crosscomm send load")),
            ]
            for (name, outcome) in outcomes {
                #expect(outcome.succeeded > 0, "\(name) made no call before the kill")
                #expect(isClearConnectionError(outcome.error), "\(name) ended with \(String(describing: outcome.error))")
            }
            #expect(ContinuousClock.now - killed < pendingLimit)

            try await server.restart()
            let restarted = ContinuousClock.now

            let secondWSLinkID = try await wslink.waitUntilReady(timeout: reconnectWindow)
            #expect(secondWSLinkID != firstWSLinkID)
            try await waitUntil(reconnectWindow, "siyi reconnected") { siyi.connectionCount == 2 && siyi.isConnected }
            for client in crossComm {
                try await waitUntil(reconnectWindow, "\(client.clientID) logged in again") { client.isLoggedIn }
            }
            #expect(ContinuousClock.now - restarted < reconnectWindow)

            // Working again, and the restarted hub's list names exactly the three clients, online.
            let sum: Int = try await wslink.call("demo.add", args: [40, 2])
            #expect(sum == 42)
            let after = JSONValue.object([.init(key: "after", value: .string("restart"))])
            let echo = try await siyi.request("echo", params: after)
            #expect(echo.data == after)
            for client in crossComm {
                let list = try await client.listClients()
                #expect(Set(list.onlineIDs) == Set(ids), "\(client.clientID) sees \(list.onlineIDs)")
            }
            let stats = try await server.stats()
            #expect(stats.count("sessions_by_adapter", "crosscomm") == 3)
            #expect(stats.count("sessions") == 5)

            for client in crossComm { await client.logout() }
            await siyi.disconnect()
        }
    }

    /// The clear, documented errors a call gets when its connection is lost.
    private func isClearConnectionError(_ error: (any Error)?) -> Bool {
        switch error {
        case let error as WSLinkError: error.code == .connectionClosed || error.code == .timeout
        case let error as SiyiError: error.code == .connectionClosed || error.code == .notConnected
        case let error as CrossCommError: error.code == .connectionClosed || error.code == .notLoggedIn
        default: false
        }
    }
}
