/// The pending-request table of one connection: which request ids await a response, until
/// when, and who is waiting. A pure state machine; time is a parameter, and every method
/// returns what the caller must resume outside its lock.
///
/// A response may arrive before its requester has started waiting (the request was sent,
/// the answer came back, the requesting task was not yet scheduled): the outcome is then
/// kept in the entry and handed over by ``attach(_:waiter:)``.
struct SiyiPendingRequests<Waiter> {
    private struct Entry {
        var deadline: ContinuousClock.Instant
        var waiter: Waiter?
        var outcome: Result<SiyiResponse, SiyiError>?
    }

    /// What ``resolve(_:with:)`` found.
    enum Resolution {
        /// Resume this waiter with the outcome.
        case resume(Waiter, Result<SiyiResponse, SiyiError>)
        /// Nobody waits yet; the outcome is kept for ``attach(_:waiter:)``.
        case kept
        /// No request has this id (never sent, already answered, timed out or cancelled).
        case unknown
    }

    private var entries: [SiyiMessageID: Entry] = [:]
    private var closedError: SiyiError?

    /// Requests registered and not yet handed back.
    var count: Int { entries.count }

    /// Whether the table was closed (the connection ended).
    var isClosed: Bool { closedError != nil }

    /// Registers a request about to be sent. Throws when the connection has ended or the id
    /// is already pending.
    mutating func register(_ id: SiyiMessageID, deadline: ContinuousClock.Instant) throws(SiyiError) {
        if let closedError { throw closedError }
        guard entries[id] == nil else {
            throw SiyiError(code: .invalidArgument, message: "a request with id \(id) is already pending")
        }
        entries[id] = Entry(deadline: deadline)
    }

    /// Starts waiting for `id`. Returns the outcome at once if it is already known (the entry
    /// is then removed); `nil` means the waiter is stored and will be returned by a later call.
    mutating func attach(_ id: SiyiMessageID, waiter: Waiter) -> Result<SiyiResponse, SiyiError>? {
        guard var entry = entries[id] else {
            return .failure(closedError ?? SiyiError(code: .timeout, message: "request \(id) is no longer pending"))
        }
        if let outcome = entry.outcome {
            entries[id] = nil
            return outcome
        }
        entry.waiter = waiter
        entries[id] = entry
        return nil
    }

    /// Settles request `id` with a response or an error.
    mutating func resolve(_ id: SiyiMessageID, with outcome: Result<SiyiResponse, SiyiError>) -> Resolution {
        guard var entry = entries[id], entry.outcome == nil else { return .unknown }
        if let waiter = entry.waiter {
            entries[id] = nil
            return .resume(waiter, outcome)
        }
        entry.outcome = outcome
        entries[id] = entry
        return .kept
    }

    /// Times out request `id` if its deadline has passed at `now`.
    mutating func expire(_ id: SiyiMessageID, now: ContinuousClock.Instant, timeout: Duration) -> Resolution {
        guard let entry = entries[id], entry.outcome == nil, now >= entry.deadline else { return .unknown }
        return resolve(id, with: .failure(SiyiError(code: .timeout, message: "no response to request \(id) within \(timeout)")))
    }

    /// Forgets request `id` (its send failed). Returns its waiter, if one was attached.
    mutating func remove(_ id: SiyiMessageID) -> Waiter? {
        entries.removeValue(forKey: id)?.waiter
    }

    /// Ends the table: every waiting request fails with `error` now, and later registrations
    /// fail with it too.
    mutating func close(_ error: SiyiError) -> [Waiter] {
        if closedError == nil { closedError = error }
        let waiters = entries.values.compactMap(\.waiter)
        entries.removeAll()
        return waiters
    }
}
