import CrossComm
import MsgPack
import Siyi
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardTesting
import Testing
import WSLink

/// A network path that stalls without closing (``StallingProxy``): WebSocket pings on both
/// sides detect it, and the server and every client end the connection within
/// interval + timeout; once the path recovers the clients reconnect by themselves.
@Suite("Stalled network", .timeLimit(.minutes(1)))
struct StalledNetworkTests {
    /// 0.5 s pings, 0.5 s grace: a silent peer is gone within 1 s.
    let heartbeat = HeartbeatPolicy(interval: .milliseconds(500), timeout: .milliseconds(500))
    /// Scheduling slack of a debug build on a shared two-core machine, on top of the deadline.
    let slack: Duration = .milliseconds(1500)

    @Test("server and clients of all three protocols clean up within interval + timeout, then recover")
    func stallDetectedOnBothSides() async throws {
        try await withServer(["--ping-interval", "0.5"]) { server in
            let ports = server.ports
            let wslinkProxy = try await StallingProxy.start(targetPort: ports.main)
            let crossCommProxy = try await StallingProxy.start(targetPort: ports.crossComm)
            let siyiProxy = try await StallingProxy.start(targetPort: ports.siyi)
            let proxies = [wslinkProxy, crossCommProxy, siyiProxy]

            let wslink = wslinkClient("ws://127.0.0.1:\(wslinkProxy.port)/ws", ping: heartbeat)
            let wslinkRun = Task { try await wslink.run() }
            defer { wslinkRun.cancel() }
            let crossComm = crossCommClient("ws://127.0.0.1:\(crossCommProxy.port)/", id: "stalled", ping: heartbeat)
            let siyi = siyiClient("ws://127.0.0.1:\(siyiProxy.port)/", ping: heartbeat)
            siyi.connect()
            let firstID = try await wslink.waitUntilReady(timeout: .seconds(20))
            try await crossComm.login(timeout: .seconds(20))
            #expect(await siyi.waitConnected(timeout: .seconds(20)))
            try await server.waitForStats(timeout: .seconds(10), "3 sessions") { $0.count("sessions") == 3 }

            // A call pending across the stall must fail, not hang (demo.start answers after 5 s);
            // its first publish shows it is running on the server.
            let ticks = try wslink.subscribe("stall.tick")
            let pending = Task { () -> (any Error)? in
                do { _ = try await wslink.call("demo.start", kwargs: ["count": 100, "topic": "stall.tick"]); return nil } catch { return error }
            }
            let firstTick = try await withTimeout(.seconds(10), "first stall.tick") { () -> Bool in
                for await _ in ticks { return true }
                return false
            }
            #expect(firstTick)

            for proxy in proxies { proxy.stall() }
            let stalled = ContinuousClock.now
            let deadline = heartbeat.deadline + slack

            // Server side: every session ended.
            try await server.waitForStats(timeout: deadline, "server closed the stalled sessions") { $0.count("sessions") == 0 }
            let serverCleanup = ContinuousClock.now - stalled
            // Client side: each noticed on its own (its ping went unanswered).
            try await waitUntil(deadline, "wslink client noticed") { wslink.clientID == nil }
            try await waitUntil(deadline, "crosscomm client noticed") { !crossComm.isLoggedIn }
            try await waitUntil(deadline, "siyi client noticed") { !siyi.isConnected }
            let clientCleanup = ContinuousClock.now - stalled
            let pendingError = try await value(of: pending, within: deadline, "the pending call across the stall")
            #expect((pendingError as? WSLinkError)?.code == .connectionClosed, "pending call: \(String(describing: pendingError))")
            #expect(serverCleanup < deadline && clientCleanup < deadline, "server \(serverCleanup), clients \(clientCleanup)")

            // The path recovers: reconnects (held in the stalled proxy meanwhile) go through.
            for proxy in proxies { proxy.resume() }
            let secondID = try await wslink.waitUntilReady(timeout: .seconds(10))
            #expect(secondID != firstID)
            try await waitUntil(.seconds(10), "crosscomm logged in again") { crossComm.isLoggedIn }
            #expect(await siyi.waitConnected(timeout: .seconds(10)))
            let sum: Int = try await wslink.call("demo.add", args: [1, 2])
            #expect(sum == 3)
            await crossComm.logout()
            await siyi.disconnect()
            for proxy in proxies { await proxy.shutdown() }
        }
    }
}

