import Synchronization

/// A session's bounded outbound queue: any thread may produce, the connection's event loop
/// consumes.
///
/// Producers never block on a slow peer unless they ask to (``send(_:)``); ``offer(_:)``
/// applies the ``OutboundQueuePolicy`` at once and tells the caller whether the consumer must
/// be woken (only when the queue goes from drained to owed, so a burst costs one wake-up).
/// The consumer (``ConnectionContext``) takes frames one at a time while its channel is
/// writable, which is the back-pressure: what the peer does not read stays here, under the
/// policy, instead of piling up in the socket's buffers.
final class OutboundQueue: Sendable {
    private struct State {
        var machine: OutboundQueueStateMachine
        /// The consumer has been asked to drain and has not yet found the queue empty.
        var wakePending = false
        var producersWaiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextProducerID: UInt64 = 0

        mutating func takeProducers() -> [CheckedContinuation<Void, Never>] {
            defer { producersWaiting.removeAll() }
            return Array(producersWaiting.values)
        }

        /// Whether a change that gives the consumer work must wake it.
        mutating func claimWake() -> Bool {
            if wakePending { return false }
            wakePending = true
            return true
        }
    }

    /// What the consumer finds next.
    enum Next {
        /// A frame to write.
        case frame(Frame)
        /// Nothing owed; the next producer wakes the consumer again.
        case idle
        /// Nothing (more) to write and a close was requested.
        case close(OutboundQueueStateMachine.CloseRequest)
    }

    private let state: Mutex<State>

    init(policy: OutboundQueuePolicy) {
        state = Mutex(State(machine: OutboundQueueStateMachine(policy: policy)))
    }

    var policy: OutboundQueuePolicy { state.withLock { $0.machine.policy } }
    var queuedCount: Int { state.withLock { $0.machine.queuedCount } }
    var queuedBytes: Int { state.withLock { $0.machine.queuedBytes } }
    var isClosing: Bool { state.withLock { $0.machine.isClosing } }
    var closeRequest: OutboundQueueStateMachine.CloseRequest? { state.withLock { $0.machine.closeRequest } }
    /// Producers suspended in ``send(_:)`` waiting for space (for tests and diagnostics).
    var waitingProducerCount: Int { state.withLock { $0.producersWaiting.count } }

    /// Queues a frame without waiting, applying the overflow policy. `wake` is true when the
    /// consumer must be woken.
    func offer(_ frame: Frame) -> (SendOutcome, wake: Bool) {
        let (action, wake, producers) = state.withLock { state in
            let action = state.machine.enqueue(frame)
            switch action {
            case .enqueued:
                return (action, state.claimWake(), [CheckedContinuation<Void, Never>]())
            case .overflowClose:
                // Producers suspended in `send` must learn that the session is closing, and the
                // consumer must act on the close even while it waits for writability.
                state.wakePending = true
                return (action, true, state.takeProducers())
            case .dropped, .closed:
                return (action, false, [])
            }
        }
        producers.forEach { $0.resume() }
        switch action {
        case .enqueued(let dropped): return (dropped == 0 ? .enqueued : .enqueuedDroppingOldest(dropped), wake)
        case .dropped: return (.dropped, false)
        case .overflowClose: return (.closedForOverflow, wake)
        case .closed: return (.sessionClosed, false)
        }
    }

    /// Queues a reply written on the connection's loop (see `OutboundQueueStateMachine.push`).
    /// Returns false once the session is closing. The caller drains; no wake is claimed.
    func push(_ frame: Frame) -> Bool {
        state.withLock { $0.machine.push(frame) }
    }

    /// Whether the queue is within its limits (the connection reads more input only then).
    var hasSpace: Bool { state.withLock { $0.machine.hasSpace } }

    /// Queues a frame, first waiting while the queue is full (back-pressure on the caller only).
    /// Returns whether the consumer must be woken. Throws
    /// ``SwitchboardError/Code/connectionClosed`` once the session is closing.
    func send(_ frame: Frame) async throws -> Bool {
        let size = frame.byteCount
        while true {
            // Check and enqueue under one lock, against this frame's size, so `send` never
            // triggers the overflow policy (not even with concurrent senders): it waits instead.
            let sent: Bool?? = state.withLock { state in
                if state.machine.isClosing { return .some(nil) }
                guard state.machine.fits(size) else { return nil }
                _ = state.machine.enqueue(frame)
                return .some(state.claimWake())
            }
            switch sent {
            case .some(.some(let wake)): return wake
            case .some(.none): throw SwitchboardError(code: .connectionClosed, message: "session is closing; frame not sent")
            case .none: try await waitForSpace(for: size)
            }
        }
    }

    /// Asks for the connection to close; with `flush`, after what is already queued. Returns
    /// whether the consumer must be woken.
    func requestClose(code: CloseCode, reason: String, flush: Bool) -> Bool {
        let request = OutboundQueueStateMachine.CloseRequest(code: code, reason: reason, flush: flush)
        let (accepted, producers) = state.withLock { state in
            guard state.machine.requestClose(request) else { return (false, [CheckedContinuation<Void, Never>]()) }
            state.wakePending = true
            return (true, state.takeProducers())
        }
        producers.forEach { $0.resume() }
        // A close always wakes: the consumer must arm its deadline even mid-drain.
        return accepted
    }

    /// The consumer's next step (event loop only). Finding the queue empty re-arms wake-ups.
    func next() -> Next {
        let (next, producers) = state.withLock { state -> (Next, [CheckedContinuation<Void, Never>]) in
            if let frame = state.machine.dequeue() {
                // Space just opened: producers waiting in `send` re-check.
                return (.frame(frame), state.producersWaiting.isEmpty ? [] : state.takeProducers())
            }
            state.wakePending = false
            if let request = state.machine.closeRequest { return (.close(request), []) }
            return (.idle, [])
        }
        producers.forEach { $0.resume() }
        return next
    }

    /// Drops what is still queued (a flushing close ran past its drain timeout, or the
    /// connection is gone) and refuses everything after.
    func discard(closing code: CloseCode) {
        let producers = state.withLock { state in
            _ = state.machine.requestClose(.init(code: code, reason: "", flush: false))
            state.machine.discardAll()
            return state.takeProducers()
        }
        producers.forEach { $0.resume() }
    }

    private func waitForSpace(for size: Int) async throws {
        let id = state.withLock { state in
            state.nextProducerID += 1
            return state.nextProducerID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.machine.isClosing || state.machine.fits(size) || Task.isCancelled { return true }
                    state.producersWaiting[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.producersWaiting.removeValue(forKey: id) }?.resume()
        }
        try Task.checkCancellation()
    }
}
