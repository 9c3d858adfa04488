import NIOPosix
import Testing
@testable import SwitchboardCore
import SwitchboardTesting

/// The queue and the connection shell that drains it (``ConnectionContext``), driven through a ``Session``.
@Suite("OutboundQueue")
struct OutboundQueueTests {
    static func text(_ n: Int) -> Frame { .text("m\(n)") }

    /// Sends, returning the error (a `.timeout` one if the send is still stuck after 5 s).
    static func sendError(_ session: Session, _ frame: Frame) async -> SwitchboardError? {
        do {
            try await withTimeout(.seconds(5), "send") { try await session.send(frame) }
            return nil
        } catch let error as SwitchboardError {
            return error
        } catch {
            return SwitchboardError(code: .cancelled, message: "\(error)")
        }
    }

    func makeSession(
        _ policy: OutboundQueuePolicy = .default,
        drainTimeout: Duration = .seconds(60)
    ) -> (SessionManager, RecordingConnection, Session) {
        let manager = SessionManager(queuePolicy: policy, drainTimeout: drainTimeout, logger: testLogger)
        let peer = RecordingConnection(adapter: "test")
        let session = manager.open(peer.connection.info, adapter: "test", eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        return (manager, peer, session)
    }

    @Test func framesAreDeliveredInOrder() async throws {
        let (_, peer, session) = makeSession()
        try await withQueueRunners([(session, peer.connection)]) { _ in
            for n in 1...100 {
                if n.isMultiple(of: 2) {
                    #expect(session.offer(Self.text(n)) == .enqueued)
                } else {
                    try await session.send(Self.text(n))
                }
            }
            for n in 1...100 {
                #expect(try await peer.nextWritten() == Self.text(n))
            }
        }
        #expect(peer.written == (1...100).map(Self.text))
    }

    @Test func sendWaitsWhileFullAndResumesWhenDrained() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 2, overflow: .close(.slowConsumer)))
        let (connection, gate) = peer.gated()
        let released = Watched(false)
        try await withQueueRunners([(session, connection)]) { _ in
            try await session.send(Self.text(1))
            #expect(try await gate.waitUntilHeld() == [Self.text(1)])
            try await session.send(Self.text(2))
            try await session.send(Self.text(3))
            #expect(session.queuedFrames == 2)

            async let fourthSentAfterRelease: Bool = {
                try await session.send(Self.text(4))
                return released.value
            }()
            try await waitUntil(.seconds(5), "sender waiting for space") { session.queue.waitingProducerCount == 1 }
            #expect(session.queuedFrames == 2)
            #expect(!session.isClosing)
            released.update { $0 = true }
            gate.open()
            #expect(try await fourthSentAfterRelease)
            for n in 1...4 {
                #expect(try await peer.nextWritten() == Self.text(n))
            }
            #expect(!session.isClosing)
        }
        #expect(manager.currentStatistics.overflowCloses == 0)
        #expect(manager.currentStatistics.droppedFrames == 0)
    }

    @Test func sendWaitsForByteSpaceInsteadOfOverflowing() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 100, maxBytes: 10, overflow: .close(.slowConsumer)))
        let (connection, gate) = peer.gated()
        let released = Watched(false)
        try await withQueueRunners([(session, connection)]) { _ in
            try await session.send(.binary([0]))
            try await gate.waitUntilHeld()
            try await session.send(.binary(Array(repeating: 1, count: 8)))
            // 8 of 10 bytes queued: 4 more bytes do not fit, so `send` must wait, not overflow.
            async let sentAfterRelease: Bool = {
                try await session.send(.binary([2, 2, 2, 2]))
                return released.value
            }()
            try await waitUntil(.seconds(5), "sender waiting for space") { session.queue.waitingProducerCount == 1 }
            #expect(session.queue.queuedBytes == 8)
            #expect(!session.isClosing)
            released.update { $0 = true }
            gate.open()
            #expect(try await sentAfterRelease)
            #expect(try await peer.nextWritten() == .binary([0]))
            #expect(try await peer.nextWritten() == .binary(Array(repeating: 1, count: 8)))
            #expect(try await peer.nextWritten() == .binary([2, 2, 2, 2]))
            #expect(!session.isClosing)
        }
        #expect(manager.currentStatistics.overflowCloses == 0)
    }

    @Test func sendThrowsConnectionClosedOnceClosing() async throws {
        let (_, _, session) = makeSession()
        session.close(code: .normal)
        let error = await #expect(throws: SwitchboardError.self) {
            try await session.send(.text("late"))
        }
        #expect(error?.code == .connectionClosed)
        #expect(session.offer(.text("late")) == .sessionClosed)
    }

    @Test func waitingSenderIsReleasedByAbort() async throws {
        let (_, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 1, overflow: .close(.slowConsumer)))
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { _ in
            try await session.send(Self.text(1))
            try await gate.waitUntilHeld()
            try await session.send(Self.text(2))
            async let blocked = Self.sendError(session, Self.text(3))
            try await waitUntil(.seconds(5), "sender waiting for space") { session.queue.waitingProducerCount == 1 }
            session.abort(code: .internalError, reason: "stop")
            #expect(await blocked?.code == .connectionClosed)
            #expect(try await gate.waitForClose() == .internalError)
        }
        #expect(peer.written == [])
        #expect(peer.closeFrame?.code == .internalError)
        #expect(peer.closeFrame?.reason == "stop")
    }

    @Test func waitingSenderIsReleasedByOverflowClose() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 1, overflow: .close(.slowConsumer)))
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { _ in
            try await session.send(Self.text(1))
            try await gate.waitUntilHeld()
            #expect(session.offer(Self.text(2)) == .enqueued)
            async let blocked = Self.sendError(session, Self.text(3))
            try await waitUntil(.seconds(5), "sender waiting for space") { session.queue.waitingProducerCount == 1 }
            // A broadcast overflows the queue while the sender waits.
            #expect(session.offer(Self.text(4)) == .closedForOverflow)
            #expect(await blocked?.code == .connectionClosed)
            #expect(try await gate.waitForClose() == .slowConsumer)
        }
        #expect(manager.currentStatistics.overflowCloses == 1)
    }

    @Test func dropNewestDropsAndCounts() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 2, overflow: .dropNewest))
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { _ in
            #expect(session.offer(Self.text(1)) == .enqueued)
            try await gate.waitUntilHeld()
            #expect(session.offer(Self.text(2)) == .enqueued)
            #expect(session.offer(Self.text(3)) == .enqueued)
            #expect(session.offer(Self.text(4)) == .dropped)
            #expect(session.offer(Self.text(5)) == .dropped)
            #expect(manager.currentStatistics.droppedFrames == 2)
            gate.open()
            for n in 1...3 { #expect(try await peer.nextWritten() == Self.text(n)) }
            #expect(session.offer(Self.text(6)) == .enqueued)
            #expect(try await peer.nextWritten() == Self.text(6))
            #expect(!session.isClosing)
        }
        #expect(peer.written == [1, 2, 3, 6].map(Self.text))
        #expect(manager.currentStatistics.overflowCloses == 0)
    }

    @Test func dropOldestDropsAndCounts() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 2, overflow: .dropOldest))
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { _ in
            #expect(session.offer(Self.text(1)) == .enqueued)
            try await gate.waitUntilHeld()
            #expect(session.offer(Self.text(2)) == .enqueued)
            #expect(session.offer(Self.text(3)) == .enqueued)
            #expect(session.offer(Self.text(4)) == .enqueuedDroppingOldest(1))
            #expect(session.offer(Self.text(5)) == .enqueuedDroppingOldest(1))
            #expect(manager.currentStatistics.droppedFrames == 2)
            gate.open()
            for n in [1, 4, 5] { #expect(try await peer.nextWritten() == Self.text(n)) }
        }
        #expect(peer.written == [1, 4, 5].map(Self.text))
    }

    @Test func closeFlushesQueuedFramesBeforeTheCloseFrame() async throws {
        let (_, peer, session) = makeSession()
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { ended in
            session.offer(Self.text(1))
            try await gate.waitUntilHeld()
            session.offer(Self.text(2))
            session.offer(Self.text(3))
            session.close(code: .goingAway, reason: "bye")
            #expect(session.isClosing)
            #expect(session.offer(Self.text(4)) == .sessionClosed)
            #expect(gate.status.value.closeCode == nil)  // still flushing (drain timeout is 60 s)
            gate.open()
            #expect(try await peer.waitForClose() == .goingAway)
            try await ended.wait("queue loop ended") { $0.contains(session.id) }
        }
        #expect(peer.written == [1, 2, 3].map(Self.text))
        #expect(peer.closeFrame?.reason == "bye")
    }

    @Test func flushIsBoundedByTheDrainTimeout() async throws {
        let (_, peer, session) = makeSession(drainTimeout: .milliseconds(20))
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)], drainTimeout: .milliseconds(20)) { ended in
            session.offer(Self.text(1))
            try await gate.waitUntilHeld()
            session.offer(Self.text(2))
            session.close(code: .goingAway)
            // The peer never reads; the closer closes the connection anyway.
            #expect(try await gate.waitForClose() == .goingAway)
            try await ended.wait("queue loop ended") { $0.contains(session.id) }
        }
        #expect(peer.written == [])
        #expect(gate.status.value.attempted == [Self.text(1)])
    }

    @Test func abortDiscardsQueuedFramesAndClosesAtOnce() async throws {
        let (_, peer, session) = makeSession()
        let (connection, gate) = peer.gated()
        try await withQueueRunners([(session, connection)]) { ended in
            session.offer(Self.text(1))
            try await gate.waitUntilHeld()
            session.offer(Self.text(2))
            session.offer(Self.text(3))
            session.abort(code: .internalError, reason: "boom")
            #expect(session.queuedFrames == 0)
            #expect(try await gate.waitForClose() == .internalError)
            try await ended.wait("queue loop ended") { $0.contains(session.id) }
            session.close(code: .normal)  // first code wins
        }
        #expect(peer.written == [])
        #expect(peer.closeFrame?.code == .internalError)
        #expect(session.queue.closeRequest?.code == .internalError)
    }

    @Test func failedWriteEndsTheQueueAndRefusesLaterFrames() async throws {
        let (_, peer, session) = makeSession()
        try await withQueueRunners([(session, peer.connection)]) { ended in
            session.offer(Self.text(1))
            #expect(try await peer.nextWritten() == Self.text(1))
            // The transport loses the connection underneath the session.
            await peer.connection.close(code: .abnormal, reason: "gone")
            session.offer(Self.text(2))
            try await ended.wait("queue loop ended") { $0.contains(session.id) }
            #expect(session.isClosing)
            #expect(session.queue.closeRequest?.code == .abnormal)
            #expect(session.offer(Self.text(3)) == .sessionClosed)
        }
        #expect(peer.written == [Self.text(1)])
    }

    @Test func concurrentSendersNeverOverflowAClosingPolicy() async throws {
        let (manager, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 2, overflow: .close(.slowConsumer)))
        let senders = 4
        let perSender = 50
        try await withQueueRunners([(session, peer.connection)]) { _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<senders {
                    group.addTask {
                        for n in 0..<perSender { try await session.send(.text("\(sender):\(n)")) }
                    }
                }
                try await group.waitForAll()
            }
            var received: [Frame] = []
            for _ in 0..<(senders * perSender) { received.append(try await peer.nextWritten()) }
            // Each sender's frames arrive in its own order.
            for sender in 0..<senders {
                let mine = received.filter { if case .text(let t) = $0 { t.hasPrefix("\(sender):") } else { false } }
                #expect(mine == (0..<perSender).map { .text("\(sender):\($0)") })
            }
            #expect(!session.isClosing)
        }
        #expect(manager.currentStatistics.overflowCloses == 0)
    }

    @Test func oversizedFrameIsDeliveredWhenQueueIsEmpty() async throws {
        let (_, peer, session) = makeSession(OutboundQueuePolicy(maxMessages: 4, maxBytes: 16))
        let big = Frame.binary(Array(repeating: 0xAB, count: 1024))
        try await withQueueRunners([(session, peer.connection)]) { _ in
            try await session.send(big)
            #expect(try await peer.nextWritten() == big)
            #expect(!session.isClosing)
        }
    }
}
