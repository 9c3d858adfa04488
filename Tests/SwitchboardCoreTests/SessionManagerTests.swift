import NIOPosix
import Testing
@testable import SwitchboardCore
import SwitchboardTesting

@Suite("SessionManager")
struct SessionManagerTests {
    let base = ContinuousClock.now

    func open(_ manager: SessionManager, adapter: String, at instant: ContinuousClock.Instant? = nil) -> (RecordingConnection, Session) {
        let peer = RecordingConnection(adapter: adapter)
        return (peer, manager.open(peer.connection, adapter: adapter, at: instant ?? base))
    }

    // MARK: - Table

    @Test func openAndRemoveAreTrackedAndRemoveIsIdempotent() {
        let manager = SessionManager(logger: testLogger)
        let (peerA, a) = open(manager, adapter: "alpha")
        let (_, b) = open(manager, adapter: "beta")
        #expect(a.id == peerA.connection.info.id)
        #expect(a.adapter == "alpha")
        #expect(a.connectedAt == base)
        #expect(manager.count == 2)
        #expect(manager.session(a.id) === a)
        #expect(manager.sessions().map(\.id) == [a.id, b.id])
        #expect(manager.sessions(adapter: "beta").map(\.id) == [b.id])
        #expect(manager.sessions(adapter: "gamma").isEmpty)

        manager.remove(a)
        manager.remove(a)
        #expect(manager.count == 1)
        #expect(manager.session(a.id) == nil)
        #expect(manager.currentStatistics == SessionManager.Statistics(opened: 2, closed: 1, droppedFrames: 0, overflowCloses: 0))
        manager.remove(b)
        #expect(manager.count == 0)
        #expect(manager.currentStatistics.closed == 2)
    }

    @Test func sessionsAreListedInConnectionOrder() {
        let manager = SessionManager(logger: testLogger)
        let opened = (0..<20).map { _ in open(manager, adapter: "x").1 }
        #expect(manager.sessions().map(\.id) == opened.map(\.id))
        #expect(manager.sessions(adapter: "x").map(\.id) == opened.map(\.id))
    }

    @Test func sessionDescriptionNamesIdAdapterAndPeer() {
        let manager = SessionManager(logger: testLogger)
        let (peer, session) = open(manager, adapter: "echo")
        #expect(session.description == "session \(peer.connection.info.id.rawValue) (echo, 127.0.0.1:1)")
    }

    // MARK: - Identities

    @Test func identityIsIndexedPerAdapterAndCanBeReplacedOrCleared() {
        let manager = SessionManager(logger: testLogger)
        let (_, a) = open(manager, adapter: "crosscomm")
        let (_, b) = open(manager, adapter: "crosscomm")
        let (_, c) = open(manager, adapter: "siyi")

        manager.setIdentity("alice", of: a)
        manager.setIdentity("alice", of: c)
        #expect(a.identity == "alice")
        #expect(manager.sessions(identity: "alice", adapter: "crosscomm").map(\.id) == [a.id])
        #expect(manager.sessions(identity: "alice", adapter: "siyi").map(\.id) == [c.id])
        #expect(manager.sessions(identity: "alice", adapter: "wslink").isEmpty)

        // A second session with the same identity: both, oldest first.
        manager.setIdentity("alice", of: b)
        #expect(manager.sessions(identity: "alice", adapter: "crosscomm").map(\.id) == [a.id, b.id])

        // Replace.
        manager.setIdentity("bob", of: a)
        #expect(a.identity == "bob")
        #expect(manager.sessions(identity: "alice", adapter: "crosscomm").map(\.id) == [b.id])
        #expect(manager.sessions(identity: "bob", adapter: "crosscomm").map(\.id) == [a.id])

        // Clear.
        manager.setIdentity(nil, of: a)
        #expect(a.identity == nil)
        #expect(manager.sessions(identity: "bob", adapter: "crosscomm").isEmpty)
    }

    @Test func removeCleansTheIdentityIndex() {
        let manager = SessionManager(logger: testLogger)
        let (_, a) = open(manager, adapter: "crosscomm")
        manager.setIdentity("alice", of: a)
        manager.remove(a)
        #expect(manager.sessions(identity: "alice", adapter: "crosscomm").isEmpty)
        // A removed session cannot be given an identity again.
        manager.setIdentity("carol", of: a)
        #expect(manager.sessions(identity: "carol", adapter: "crosscomm").isEmpty)
        #expect(a.identity == "alice")
    }

    // MARK: - Groups

    @Test func joinLeaveAndMembers() {
        let manager = SessionManager(logger: testLogger)
        let (_, a) = open(manager, adapter: "wslink")
        let (_, b) = open(manager, adapter: "wslink")
        manager.join(b, group: "topic")
        manager.join(a, group: "topic")
        manager.join(a, group: "topic")  // twice is once
        manager.join(a, group: "other")
        #expect(manager.members(of: "topic").map(\.id) == [a.id, b.id])
        #expect(manager.members(of: "other").map(\.id) == [a.id])
        #expect(a.groups == ["topic", "other"])
        #expect(manager.members(of: "nobody").isEmpty)

        manager.leave(a, group: "topic")
        #expect(manager.members(of: "topic").map(\.id) == [b.id])
        #expect(a.groups == ["other"])
        manager.leave(a, group: "topic")  // not a member: no effect
        #expect(manager.members(of: "topic").map(\.id) == [b.id])
    }

    @Test func removeCleansGroupsAndRemovedSessionsCannotJoin() {
        let manager = SessionManager(logger: testLogger)
        let (_, a) = open(manager, adapter: "wslink")
        let (_, b) = open(manager, adapter: "wslink")
        manager.join(a, group: "g1")
        manager.join(a, group: "g2")
        manager.join(b, group: "g1")
        manager.remove(a)
        #expect(manager.members(of: "g1").map(\.id) == [b.id])
        #expect(manager.members(of: "g2").isEmpty)
        manager.join(a, group: "g3")
        #expect(manager.members(of: "g3").isEmpty)
        #expect(manager.broadcast(.text("x"), to: .group("g2")) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 0))
    }

    // MARK: - Broadcast

    @Test func broadcastReachesTheAudienceMinusExclusions() {
        let manager = SessionManager(logger: testLogger)
        let (_, a1) = open(manager, adapter: "alpha")
        let (_, a2) = open(manager, adapter: "alpha")
        let (_, b1) = open(manager, adapter: "beta")
        manager.join(a2, group: "g")
        manager.join(b1, group: "g")
        let all = [a1, a2, b1]

        // No queue runner: frames stay queued, so the queues show exactly who got what.
        #expect(manager.broadcast(.text("1"), to: .everyone) == SessionManager.BroadcastReport(delivered: 3, notDelivered: 0))
        #expect(all.map(\.queuedFrames) == [1, 1, 1])

        #expect(manager.broadcast(.text("2"), to: .everyone, excluding: [a1.id]).delivered == 2)
        #expect(all.map(\.queuedFrames) == [1, 2, 2])

        #expect(manager.broadcast(.text("3"), to: .adapter("alpha")) == SessionManager.BroadcastReport(delivered: 2, notDelivered: 0))
        #expect(all.map(\.queuedFrames) == [2, 3, 2])

        #expect(manager.broadcast(.text("4"), to: .adapter("alpha"), excluding: [a2.id]).delivered == 1)
        #expect(all.map(\.queuedFrames) == [3, 3, 2])

        #expect(manager.broadcast(.text("5"), to: .group("g")).delivered == 2)
        #expect(all.map(\.queuedFrames) == [3, 4, 3])

        #expect(manager.broadcast(.text("6"), to: .group("g"), excluding: [a2.id, b1.id]) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 0))
        #expect(manager.broadcast(.text("7"), to: .adapter("gamma")) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 0))
        #expect(manager.broadcast(.text("8"), to: .group("none")) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 0))
        #expect(all.map(\.queuedFrames) == [3, 4, 3])
    }

    @Test func broadcastCountsClosingAndFullSessionsAsNotDelivered() {
        let manager = SessionManager(queuePolicy: OutboundQueuePolicy(maxMessages: 1, overflow: .dropNewest), logger: testLogger)
        let (_, a) = open(manager, adapter: "x")
        let (_, b) = open(manager, adapter: "x")
        let (_, c) = open(manager, adapter: "x")
        b.close(code: .normal)
        #expect(manager.broadcast(.text("1"), to: .everyone) == SessionManager.BroadcastReport(delivered: 2, notDelivered: 1))
        // a and c are now full: the next frame is dropped for them.
        #expect(manager.broadcast(.text("2"), to: .everyone) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 3))
        #expect(manager.currentStatistics.droppedFrames == 2)
        #expect(a.queuedFrames == 1 && c.queuedFrames == 1 && b.queuedFrames == 0)
    }

    @Test func slowConsumerIsClosedWhileOthersReceiveEverything() async throws {
        let manager = SessionManager(
            queuePolicy: OutboundQueuePolicy(maxMessages: 4, overflow: .close(.slowConsumer)),
            logger: testLogger
        )
        let slowPeer = RecordingConnection(adapter: "feed")
        let fastPeer = RecordingConnection(adapter: "feed")
        let slow = manager.open(slowPeer.connection.info, adapter: "feed", eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let fast = manager.open(fastPeer.connection.info, adapter: "feed", eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let (slowConnection, gate) = slowPeer.gated()
        let frames = (1...10).map { Frame.text("tick \($0)") }

        try await withQueueRunners([(slow, slowConnection), (fast, fastPeer.connection)]) { ended in
            #expect(manager.broadcast(frames[0], to: .everyone).delivered == 2)
            // The slow peer's writer is now stuck on the first frame; the fast peer reads it.
            #expect(try await gate.waitUntilHeld() == [frames[0]])
            #expect(try await fastPeer.nextWritten() == frames[0])
            for frame in frames[1...4] {
                #expect(manager.broadcast(frame, to: .everyone) == SessionManager.BroadcastReport(delivered: 2, notDelivered: 0))
                #expect(try await fastPeer.nextWritten() == frame)
            }
            #expect(slow.queuedFrames == 4)
            #expect(fast.queuedFrames == 0)
            // The fifth queued frame overflows the slow session: it is closed, the fast one is not.
            #expect(manager.broadcast(frames[5], to: .everyone) == SessionManager.BroadcastReport(delivered: 1, notDelivered: 1))
            #expect(slow.isClosing)
            #expect(try await fastPeer.nextWritten() == frames[5])
            for frame in frames[6...] {
                #expect(manager.broadcast(frame, to: .everyone) == SessionManager.BroadcastReport(delivered: 1, notDelivered: 1))
                #expect(try await fastPeer.nextWritten() == frame)
            }
            #expect(try await gate.waitForClose() == .slowConsumer)
            try await ended.wait("slow queue loop ended") { $0.contains(slow.id) }
            #expect(!fast.isClosing)
            #expect(fastPeer.closeFrame == nil)
        }
        #expect(slowPeer.written == [])
        #expect(slowPeer.closeFrame?.code == .slowConsumer)
        #expect(slowPeer.closeFrame?.reason == "outbound queue overflow")
        #expect(gate.status.value.attempted == [frames[0]])
        #expect(fastPeer.written == frames)
        #expect(manager.currentStatistics == SessionManager.Statistics(opened: 2, closed: 0, droppedFrames: 0, overflowCloses: 1))
    }

    // MARK: - Shutdown

    @Test func closeAllFlushesThenClosesEverySessionWithTheCode() async throws {
        let manager = SessionManager(logger: testLogger)
        let peers = (0..<3).map { _ in RecordingConnection(adapter: "x") }
        let sessions = peers.map { manager.open($0.connection.info, adapter: "x", eventLoop: MultiThreadedEventLoopGroup.singleton.next()) }
        let gated = peers.map { $0.gated() }

        try await withQueueRunners(Array(zip(sessions, gated.map(\.connection)))) { ended in
            #expect(manager.broadcast(.text("a"), to: .everyone).delivered == 3)
            for gate in gated.map(\.writer) { try await gate.waitUntilHeld() }
            #expect(manager.broadcast(.text("b"), to: .everyone).delivered == 3)
            #expect(manager.broadcast(.text("c"), to: .everyone).delivered == 3)

            manager.closeAll(code: .goingAway, reason: "shutdown")
            #expect(sessions.allSatisfy { $0.isClosing })
            #expect(manager.broadcast(.text("late"), to: .everyone) == SessionManager.BroadcastReport(delivered: 0, notDelivered: 3))
            #expect(gated.allSatisfy { $0.writer.status.value.closeCode == nil })

            for gate in gated.map(\.writer) { gate.open() }
            for peer in peers {
                #expect(try await peer.waitForClose() == .goingAway)
            }
            try await ended.wait("all queue loops ended") { $0.count == 3 }
        }
        for peer in peers {
            #expect(peer.written == [.text("a"), .text("b"), .text("c")])
            #expect(peer.closeFrame?.reason == "shutdown")
        }
        // closeAll does not remove sessions; their owners do when the connections end.
        #expect(manager.count == 3)
    }
}
