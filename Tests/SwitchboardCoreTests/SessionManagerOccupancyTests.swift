import Testing
@testable import SwitchboardCore
import SwitchboardTesting

@Suite("SessionManager occupancy")
struct SessionManagerOccupancyTests {
    func open(_ manager: SessionManager, adapter: String) -> Session {
        manager.open(RecordingConnection(adapter: adapter).connection, adapter: adapter)
    }

    @Test func countsSessionsPerAdapterAndQueuedFramesAndBytes() {
        let manager = SessionManager(queuePolicy: OutboundQueuePolicy(maxMessages: 3, overflow: .dropNewest), logger: testLogger)
        #expect(manager.occupancy() == SessionManager.Occupancy(sessionsByAdapter: [:], queuedFrames: 0, queuedBytes: 0, largestQueueFrames: 0, largestQueueBytes: 0))
        let a = open(manager, adapter: "crosscomm")
        let b = open(manager, adapter: "crosscomm")
        let c = open(manager, adapter: "siyi")
        a.offer(.text("12345"))
        a.offer(.binary([1, 2, 3]))
        b.offer(.text("1"))
        _ = c
        let occupancy = manager.occupancy()
        #expect(occupancy.sessionsByAdapter == ["crosscomm": 2, "siyi": 1])
        #expect(occupancy.sessions == 3)
        #expect(occupancy.queuedFrames == 3)
        #expect(occupancy.queuedBytes == 9)
        #expect(occupancy.largestQueueFrames == 2)
        #expect(occupancy.largestQueueBytes == 8)
    }

    @Test func aFullQueueNeverExceedsThePolicyAndRemovedSessionsDisappear() {
        let manager = SessionManager(queuePolicy: OutboundQueuePolicy(maxMessages: 4, overflow: .dropNewest), logger: testLogger)
        let stalled = open(manager, adapter: "crosscomm")
        for i in 0..<100 { stalled.offer(.text("frame \(i)")) }
        #expect(manager.occupancy().largestQueueFrames == 4)
        #expect(manager.currentStatistics.droppedFrames == 96)
        manager.remove(stalled)
        #expect(manager.occupancy().sessions == 0)
        #expect(manager.occupancy().queuedFrames == 0)
    }
}
