import Testing
import SwitchboardCore
import SwitchboardTesting

@Suite("EventLog")
struct EventLogTests {
    @Test func readsEventsInOrderOnce() async throws {
        let log = EventLog<Int>()
        log.append(1)
        log.append(2)
        #expect(try await log.next() == 1)
        #expect(try await log.next() == 2)
        #expect(log.all == [1, 2])
    }

    @Test func nextWaitsForALaterAppend() async throws {
        let log = EventLog<String>()
        async let next = log.next(timeout: .seconds(5))
        log.append("later")
        #expect(try await next == "later")
    }

    @Test func nextTimesOut() async throws {
        let log = EventLog<Int>()
        let error = await #expect(throws: SwitchboardError.self) { try await log.next(timeout: .milliseconds(20)) }
        #expect(error?.code == .timeout)
    }

    @Test func waitForSkipsToTheMatchingEvent() async throws {
        let log = EventLog<Int>()
        for n in 1...5 { log.append(n) }
        try await log.waitFor(4)
        #expect(try await log.next() == 5)
    }

    @Test func concurrentAppendsAreNeverMissed() async throws {
        let log = EventLog<Int>()
        let count = 2_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 0..<count { log.append(n) }
            }
            for n in 0..<count {
                #expect(try await log.next(timeout: .seconds(5)) == n)
            }
            try await group.waitForAll()
        }
    }
}
