@testable import Siyi
import Testing

@Suite("pending-request table (state machine, time as a parameter)")
struct SiyiPendingRequestsTests {
    let start = ContinuousClock.now
    let ok = SiyiResponse.success(id: "a")

    @Test("a response resumes the waiter that attached first")
    func responseAfterAttach() throws {
        var table = SiyiPendingRequests<String>()
        try table.register("a", deadline: start + .seconds(1))
        #expect(table.attach("a", waiter: "w") == nil)
        guard case .resume(let waiter, let outcome) = table.resolve("a", with: .success(ok)) else {
            Issue.record("expected resume")
            return
        }
        #expect(waiter == "w" && (try? outcome.get()) == ok)
        #expect(table.count == 0)
        guard case .unknown = table.resolve("a", with: .success(ok)) else {
            Issue.record("a second response must be unknown")
            return
        }
    }

    @Test("a response before the waiter attaches is kept and handed over")
    func responseBeforeAttach() throws {
        var table = SiyiPendingRequests<String>()
        try table.register("a", deadline: start + .seconds(1))
        guard case .kept = table.resolve("a", with: .success(ok)) else {
            Issue.record("expected kept")
            return
        }
        #expect((try? table.attach("a", waiter: "w")?.get()) == ok)
        #expect(table.count == 0)
    }

    @Test("expiry happens at the deadline, not before")
    func expiry() throws {
        var table = SiyiPendingRequests<String>()
        try table.register("a", deadline: start + .seconds(1))
        _ = table.attach("a", waiter: "w")
        guard case .unknown = table.expire("a", now: start + .milliseconds(999), timeout: .seconds(1)) else {
            Issue.record("expired early")
            return
        }
        guard case .resume("w", .failure(let error)) = table.expire("a", now: start + .seconds(1), timeout: .seconds(1)) else {
            Issue.record("expected a timeout")
            return
        }
        #expect(error.code == .timeout)
        #expect(table.count == 0)
    }

    @Test("closing fails every waiter and refuses new requests")
    func close() throws {
        var table = SiyiPendingRequests<String>()
        try table.register("a", deadline: start + .seconds(1))
        try table.register("b", deadline: start + .seconds(1))
        _ = table.attach("a", waiter: "wa")
        _ = table.attach("b", waiter: "wb")
        let waiters = table.close(SiyiError(code: .connectionClosed, message: "gone"))
        #expect(Set(waiters) == ["wa", "wb"])
        #expect(table.count == 0 && table.isClosed)
        #expect(throws: SiyiError.self) { try table.register("c", deadline: start) }
        #expect((try? table.attach("c", waiter: "wc")?.get()) == nil)
    }

    @Test("duplicate ids are refused; ids differing only in UUID case are the same id")
    func duplicates() throws {
        var table = SiyiPendingRequests<String>()
        try table.register("333725fa-410c-4075-b822-34f07e69c84a", deadline: start)
        let error = #expect(throws: SiyiError.self) {
            try table.register("333725FA-410C-4075-B822-34F07E69C84A", deadline: start)
        }
        #expect(error?.code == .invalidArgument)
    }
}
