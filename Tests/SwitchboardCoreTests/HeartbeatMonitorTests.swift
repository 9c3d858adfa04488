import Testing
import SwitchboardCore

@Suite("HeartbeatMonitor")
struct HeartbeatMonitorTests {
    let base = ContinuousClock.now
    let policy = HeartbeatPolicy(interval: .seconds(10), timeout: .seconds(5))

    @Test func policyDeadlineIsIntervalPlusTimeout() {
        #expect(policy.deadline == .seconds(15))
        #expect(HeartbeatPolicy.default.interval == .seconds(30))
        #expect(HeartbeatPolicy.default.timeout == .seconds(30))
        #expect(HeartbeatPolicy.default.deadline == .seconds(60))
    }

    @Test func passiveMonitorWaitsUntilExactExpiry() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: false, now: base)
        #expect(monitor.lastHeard == base)
        #expect(monitor.tick(now: base) == .wait(until: base + .seconds(15)))
        #expect(monitor.tick(now: base + .seconds(10)) == .wait(until: base + .seconds(15)))
        #expect(monitor.tick(now: base + .seconds(15) - .nanoseconds(1)) == .wait(until: base + .seconds(15)))
        #expect(monitor.tick(now: base + .seconds(15)) == .expired)
        #expect(monitor.tick(now: base + .seconds(100)) == .expired)
    }

    @Test func passiveMonitorNeverAsksForAHeartbeat() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: false, now: base)
        for second in 0..<15 {
            let action = monitor.tick(now: base + .seconds(second))
            #expect(action == .wait(until: base + .seconds(15)), "at +\(second)s")
        }
    }

    @Test func activityPostponesExpiry() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: false, now: base)
        monitor.peerWasHeard(at: base + .seconds(10))
        #expect(monitor.lastHeard == base + .seconds(10))
        #expect(monitor.tick(now: base + .seconds(15)) == .wait(until: base + .seconds(25)))
        #expect(monitor.tick(now: base + .seconds(25) - .milliseconds(1)) == .wait(until: base + .seconds(25)))
        #expect(monitor.tick(now: base + .seconds(25)) == .expired)
    }

    @Test func hearingFromThePastDoesNotMoveLastHeardBack() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: false, now: base)
        monitor.peerWasHeard(at: base + .seconds(10))
        monitor.peerWasHeard(at: base + .seconds(3))
        #expect(monitor.lastHeard == base + .seconds(10))
        #expect(monitor.tick(now: base + .seconds(20)) == .wait(until: base + .seconds(25)))
    }

    @Test func activeMonitorSendsAtIntervalThenExpires() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: true, now: base)
        #expect(monitor.tick(now: base) == .wait(until: base + .seconds(10)))
        #expect(monitor.tick(now: base + .seconds(9)) == .wait(until: base + .seconds(10)))
        // Due: send, and come back no later than the expiry.
        #expect(monitor.tick(now: base + .seconds(10)) == .sendHeartbeat(next: base + .seconds(15)))
        // Just sent: the next one is due at +20 but expiry (+15) comes first.
        #expect(monitor.tick(now: base + .seconds(12)) == .wait(until: base + .seconds(15)))
        #expect(monitor.tick(now: base + .seconds(15)) == .expired)
    }

    @Test func activeMonitorWithAnsweringPeerKeepsGoing() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: true, now: base)
        #expect(monitor.tick(now: base + .seconds(10)) == .sendHeartbeat(next: base + .seconds(15)))
        monitor.peerWasHeard(at: base + .seconds(11))  // the pong
        // Next heartbeat is due interval after the later of (sent, heard): +21; expiry +26.
        #expect(monitor.tick(now: base + .seconds(15)) == .wait(until: base + .seconds(21)))
        #expect(monitor.tick(now: base + .seconds(21)) == .sendHeartbeat(next: base + .seconds(26)))
        monitor.peerWasHeard(at: base + .seconds(22))
        #expect(monitor.tick(now: base + .seconds(26)) == .wait(until: base + .seconds(32)))
        // This time the peer stays silent.
        #expect(monitor.tick(now: base + .seconds(32)) == .sendHeartbeat(next: base + .seconds(37)))
        #expect(monitor.tick(now: base + .seconds(36)) == .wait(until: base + .seconds(37)))
        #expect(monitor.tick(now: base + .seconds(37)) == .expired)
    }

    @Test func activeMonitorWithLongIntervalSendsEveryInterval() {
        // timeout > interval: several heartbeats go out before the peer is given up on.
        let policy = HeartbeatPolicy(interval: .seconds(2), timeout: .seconds(5))
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: true, now: base)
        #expect(monitor.tick(now: base + .seconds(2)) == .sendHeartbeat(next: base + .seconds(4)))
        #expect(monitor.tick(now: base + .seconds(4)) == .sendHeartbeat(next: base + .seconds(6)))
        #expect(monitor.tick(now: base + .seconds(6)) == .sendHeartbeat(next: base + .seconds(7)))
        #expect(monitor.tick(now: base + .seconds(7)) == .expired)
    }

    @Test func activeMonitorDoesNotSendWhileThePeerIsChatty() {
        var monitor = HeartbeatMonitor(policy: policy, sendsHeartbeats: true, now: base)
        for second in stride(from: 5, through: 50, by: 5) {
            monitor.peerWasHeard(at: base + .seconds(second))
            let action = monitor.tick(now: base + .seconds(second))
            #expect(action == .wait(until: base + .seconds(second + 10)), "at +\(second)s")
        }
    }
}
