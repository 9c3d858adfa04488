import Testing
@testable import SwitchboardCore

@Suite("OutboundQueueStateMachine")
struct OutboundQueueStateMachineTests {
    typealias Machine = OutboundQueueStateMachine

    static func text(_ n: Int) -> Frame { .text("m\(n)") }

    @Test func enqueuedFramesComeOutAsOneBatchInOrder() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 10, maxBytes: 1000))
        for n in 1...4 {
            #expect(machine.enqueue(Self.text(n)) == .enqueued(droppedOldest: 0))
        }
        #expect(machine.queuedCount == 4)
        #expect(machine.queuedBytes == 8)
        #expect(machine.nextWriterAction() == .write((1...4).map(Self.text)))
        #expect(machine.queuedCount == 0)
        #expect(machine.queuedBytes == 0)
        #expect(machine.nextWriterAction() == .wait)
        #expect(machine.enqueue(Self.text(5)) == .enqueued(droppedOldest: 0))
        #expect(machine.nextWriterAction() == .write([Self.text(5)]))
    }

    @Test func limitByCountWithDropNewest() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 3, maxBytes: 1000, overflow: .dropNewest))
        for n in 1...3 { #expect(machine.enqueue(Self.text(n)) == .enqueued(droppedOldest: 0)) }
        #expect(!machine.hasSpace)
        #expect(machine.enqueue(Self.text(4)) == .dropped)
        #expect(machine.enqueue(Self.text(5)) == .dropped)
        #expect(machine.queuedCount == 3)
        #expect(!machine.isClosing)
        #expect(machine.nextWriterAction() == .write([Self.text(1), Self.text(2), Self.text(3)]))
        #expect(machine.hasSpace)
    }

    @Test func limitByBytesWithDropNewest() {
        // Two 4-byte frames fit in 10 bytes; a third would make 12.
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 100, maxBytes: 10, overflow: .dropNewest))
        #expect(machine.enqueue(.binary([1, 2, 3, 4])) == .enqueued(droppedOldest: 0))
        #expect(machine.enqueue(.binary([5, 6, 7, 8])) == .enqueued(droppedOldest: 0))
        #expect(machine.enqueue(.binary([9, 10, 11, 12])) == .dropped)
        // A 2-byte frame still fits exactly (8 + 2 == 10).
        #expect(machine.enqueue(.binary([13, 14])) == .enqueued(droppedOldest: 0))
        #expect(machine.queuedBytes == 10)
        #expect(machine.enqueue(.binary([15])) == .dropped)
        #expect(machine.nextWriterAction() == .write([.binary([1, 2, 3, 4]), .binary([5, 6, 7, 8]), .binary([13, 14])]))
    }

    @Test func textBytesAreCountedAsUTF8() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 100, maxBytes: 4, overflow: .dropNewest))
        #expect(machine.enqueue(.text("é")) == .enqueued(droppedOldest: 0))  // 2 bytes
        #expect(machine.queuedBytes == 2)
        #expect(machine.enqueue(.text("éé")) == .dropped)  // 4 more bytes: 6 > 4
        #expect(machine.enqueue(.text("ab")) == .enqueued(droppedOldest: 0))
        #expect(machine.queuedBytes == 4)
    }

    @Test(arguments: [
        OutboundQueuePolicy.Overflow.dropNewest, .dropOldest, .close(.slowConsumer),
    ])
    func oversizedMessageIsAcceptedIntoAnEmptyQueue(overflow: OutboundQueuePolicy.Overflow) {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 2, maxBytes: 10, overflow: overflow))
        let big = Frame.binary(Array(repeating: 7, count: 100))
        #expect(machine.enqueue(big) == .enqueued(droppedOldest: 0))
        #expect(machine.queuedBytes == 100)
        #expect(!machine.isClosing)
        #expect(machine.nextWriterAction() == .write([big]))
    }

    @Test func oversizedMessageBehindOthersOverflows() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 5, maxBytes: 10, overflow: .dropNewest))
        #expect(machine.enqueue(.binary([1])) == .enqueued(droppedOldest: 0))
        #expect(machine.enqueue(.binary(Array(repeating: 0, count: 100))) == .dropped)
        #expect(machine.queuedCount == 1)
    }

    @Test func dropOldestDiscardsFromTheFrontAndCountsThem() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 3, maxBytes: 1000, overflow: .dropOldest))
        for n in 1...3 { #expect(machine.enqueue(Self.text(n)) == .enqueued(droppedOldest: 0)) }
        #expect(machine.enqueue(Self.text(4)) == .enqueued(droppedOldest: 1))
        #expect(machine.enqueue(Self.text(5)) == .enqueued(droppedOldest: 1))
        #expect(machine.queuedCount == 3)
        #expect(machine.nextWriterAction() == .write([Self.text(3), Self.text(4), Self.text(5)]))
    }

    @Test func dropOldestDropsAsManyAsTheBytesRequire() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 100, maxBytes: 10, overflow: .dropOldest))
        for byte in UInt8(1)...5 { #expect(machine.enqueue(.binary([byte, byte])) == .enqueued(droppedOldest: 0)) }
        #expect(machine.queuedBytes == 10)
        // 7 bytes need 7 free: drop four 2-byte frames (leaving 2 bytes queued, 2 + 7 = 9).
        let seven = Frame.binary(Array(repeating: 9, count: 7))
        #expect(machine.enqueue(seven) == .enqueued(droppedOldest: 4))
        #expect(machine.queuedBytes == 9)
        #expect(machine.nextWriterAction() == .write([.binary([5, 5]), seven]))
    }

    @Test func dropOldestEmptiesTheQueueForAnOversizedMessage() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 100, maxBytes: 10, overflow: .dropOldest))
        #expect(machine.enqueue(.binary([1, 1])) == .enqueued(droppedOldest: 0))
        #expect(machine.enqueue(.binary([2, 2])) == .enqueued(droppedOldest: 0))
        let big = Frame.binary(Array(repeating: 3, count: 50))
        #expect(machine.enqueue(big) == .enqueued(droppedOldest: 2))
        #expect(machine.queuedCount == 1)
        #expect(machine.queuedBytes == 50)
        #expect(machine.nextWriterAction() == .write([big]))
    }

    @Test func dropOldestKeepsOrderAcrossManyCompactions() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 4, maxBytes: 1 << 20, overflow: .dropOldest))
        var dropped = 0
        for n in 1...1000 {
            guard case .enqueued(let count) = machine.enqueue(Self.text(n)) else {
                Issue.record("frame \(n) not enqueued")
                return
            }
            dropped += count
        }
        #expect(dropped == 996)
        #expect(machine.queuedCount == 4)
        #expect(machine.queuedBytes == 17)  // "m997", "m998", "m999" (4 bytes each) + "m1000" (5)
        #expect(machine.nextWriterAction() == .write([997, 998, 999, 1000].map(Self.text)))
    }

    @Test func overflowUnderClosePolicyDiscardsAndRequestsClose() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 2, maxBytes: 1000, overflow: .close(.slowConsumer)))
        #expect(machine.enqueue(Self.text(1)) == .enqueued(droppedOldest: 0))
        #expect(machine.enqueue(Self.text(2)) == .enqueued(droppedOldest: 0))
        let expected = Machine.CloseRequest(code: .slowConsumer, reason: "outbound queue overflow", flush: false)
        #expect(machine.enqueue(Self.text(3)) == .overflowClose(expected))
        #expect(machine.isClosing)
        #expect(machine.closeRequest == expected)
        #expect(machine.queuedCount == 0)
        #expect(machine.queuedBytes == 0)
        #expect(machine.enqueue(Self.text(4)) == .closed)
        #expect(machine.nextWriterAction() == .close(expected))
    }

    @Test func overflowCloseUsesThePolicysCode() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 1, maxBytes: 1000, overflow: .close(.tryAgainLater)))
        _ = machine.enqueue(Self.text(1))
        guard case .overflowClose(let request) = machine.enqueue(Self.text(2)) else {
            Issue.record("expected an overflow close")
            return
        }
        #expect(request.code == .tryAgainLater)
        #expect(request.code.rawValue == 1013)
    }

    @Test func requestCloseFirstWins() {
        var machine = Machine(policy: .default)
        let first = Machine.CloseRequest(code: .goingAway, reason: "first", flush: true)
        let second = Machine.CloseRequest(code: .internalError, reason: "second", flush: false)
        let firstSet = machine.requestClose(first)
        let secondSet = machine.requestClose(second)
        #expect(firstSet)
        #expect(!secondSet)
        #expect(machine.closeRequest == first)
        #expect(machine.nextWriterAction() == .close(first))
    }

    @Test func flushingCloseDeliversQueuedFramesFirst() {
        var machine = Machine(policy: .default)
        _ = machine.enqueue(Self.text(1))
        _ = machine.enqueue(Self.text(2))
        let request = Machine.CloseRequest(code: .goingAway, reason: "bye", flush: true)
        let set = machine.requestClose(request)
        #expect(set)
        #expect(machine.queuedCount == 2)
        #expect(machine.enqueue(Self.text(3)) == .closed)
        #expect(machine.nextWriterAction() == .write([Self.text(1), Self.text(2)]))
        #expect(machine.nextWriterAction() == .close(request))
        #expect(machine.nextWriterAction() == .close(request))
    }

    @Test func nonFlushingCloseDiscardsQueuedFrames() {
        var machine = Machine(policy: .default)
        _ = machine.enqueue(Self.text(1))
        _ = machine.enqueue(Self.text(2))
        let request = Machine.CloseRequest(code: .internalError, reason: "abort", flush: false)
        let set = machine.requestClose(request)
        #expect(set)
        #expect(machine.queuedCount == 0)
        #expect(machine.queuedBytes == 0)
        #expect(machine.nextWriterAction() == .close(request))
    }

    @Test func writerActionSequenceIsWriteThenWaitThenClose() {
        var machine = Machine(policy: .default)
        #expect(machine.nextWriterAction() == .wait)
        _ = machine.enqueue(.binary([1]))
        #expect(machine.nextWriterAction() == .write([.binary([1])]))
        #expect(machine.nextWriterAction() == .wait)
        let request = Machine.CloseRequest(code: .normal, reason: "", flush: true)
        _ = machine.requestClose(request)
        #expect(machine.nextWriterAction() == .close(request))
    }

    @Test func fitsChecksTheGivenSizeAgainstBothLimits() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 3, maxBytes: 10, overflow: .dropNewest))
        #expect(machine.fits(1_000))  // empty queue: anything
        _ = machine.enqueue(.binary(Array(repeating: 0, count: 8)))
        #expect(machine.fits(2))
        #expect(!machine.fits(3))
        _ = machine.enqueue(.binary([1]))
        _ = machine.enqueue(.binary([1]))
        #expect(!machine.fits(0))  // count exhausted
    }

    @Test func hasSpaceTracksBothLimits() {
        var machine = Machine(policy: OutboundQueuePolicy(maxMessages: 2, maxBytes: 4, overflow: .dropNewest))
        #expect(machine.hasSpace)
        _ = machine.enqueue(.binary([1, 2, 3, 4]))
        #expect(!machine.hasSpace)  // bytes exhausted
        _ = machine.nextWriterAction()
        _ = machine.enqueue(.binary([1]))
        #expect(machine.hasSpace)
        _ = machine.enqueue(.binary([2]))
        #expect(!machine.hasSpace)  // count exhausted
    }
}
