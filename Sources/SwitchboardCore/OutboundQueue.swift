import Synchronization

/// A session's bounded outbound queue and the loop that drains it into the connection.
///
/// Producers never block on a slow peer unless they ask to (``send(_:)``); ``offer(_:)``
/// applies the ``OutboundQueuePolicy`` at once. A single writer task hands queued frames to
/// the transport in order, and a closer task makes sure a close request ends the connection
/// even while the writer is stuck on a peer that stopped reading.
final class OutboundQueue: Sendable {
    private struct State {
        var machine: OutboundQueueStateMachine
        var writerWaiting: CheckedContinuation<Void, Never>?
        var closerWaiting: CheckedContinuation<Void, Never>?
        var producersWaiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextProducerID: UInt64 = 0

        mutating func takeProducers() -> [CheckedContinuation<Void, Never>] {
            defer { producersWaiting.removeAll() }
            return Array(producersWaiting.values)
        }
    }

    private let state: Mutex<State>

    init(policy: OutboundQueuePolicy) {
        state = Mutex(State(machine: OutboundQueueStateMachine(policy: policy)))
    }

    var policy: OutboundQueuePolicy { state.withLock { $0.machine.policy } }
    var queuedCount: Int { state.withLock { $0.machine.queuedCount } }
    var queuedBytes: Int { state.withLock { $0.machine.queuedBytes } }
    var closeRequest: OutboundQueueStateMachine.CloseRequest? { state.withLock { $0.machine.closeRequest } }
    /// Producers suspended in ``send(_:)`` waiting for space (for tests and diagnostics).
    var waitingProducerCount: Int { state.withLock { $0.producersWaiting.count } }

    /// Queues a frame without waiting, applying the overflow policy.
    func offer(_ frame: Frame) -> SendOutcome {
        let (action, writer, closer, producers) = state.withLock { state in
            let action = state.machine.enqueue(frame)
            switch action {
            case .enqueued:
                return (action, state.writerWaiting.take(), nil as CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]())
            case .overflowClose:
                // Producers suspended in `send` must learn that the session is closing.
                return (action, state.writerWaiting.take(), state.closerWaiting.take(), state.takeProducers())
            case .dropped, .closed:
                return (action, nil, nil, [])
            }
        }
        writer?.resume()
        closer?.resume()
        producers.forEach { $0.resume() }
        switch action {
        case .enqueued(let dropped): return dropped == 0 ? .enqueued : .enqueuedDroppingOldest(dropped)
        case .dropped: return .dropped
        case .overflowClose: return .closedForOverflow
        case .closed: return .sessionClosed
        }
    }

    /// Queues a frame, first waiting while the queue is full (back-pressure on the caller only).
    /// Throws ``SwitchboardError/Code/connectionClosed`` once the session is closing.
    func send(_ frame: Frame) async throws {
        let size = frame.byteCount
        while true {
            // Check and enqueue under one lock, against this frame's size, so `send` never
            // triggers the overflow policy (not even with concurrent senders): it waits instead.
            let (sent, writer): (Bool?, CheckedContinuation<Void, Never>?) = state.withLock { state in
                if state.machine.isClosing { return (false, nil) }
                guard state.machine.fits(size) else { return (nil, nil) }
                _ = state.machine.enqueue(frame)
                return (true, state.writerWaiting.take())
            }
            writer?.resume()
            switch sent {
            case true?: return
            case false?: throw SwitchboardError(code: .connectionClosed, message: "session is closing; frame not sent")
            case nil: try await waitForSpace(for: size)
            }
        }
    }

    /// Asks for the connection to close; with `flush`, after what is already queued.
    func requestClose(code: CloseCode, reason: String, flush: Bool) {
        let request = OutboundQueueStateMachine.CloseRequest(code: code, reason: reason, flush: flush)
        let (writer, closer, producers) = state.withLock { state in
            guard state.machine.requestClose(request) else {
                return (nil as CheckedContinuation<Void, Never>?, nil as CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]())
            }
            let producers = Array(state.producersWaiting.values)
            state.producersWaiting.removeAll()
            return (state.writerWaiting.take(), state.closerWaiting.take(), producers)
        }
        writer?.resume()
        closer?.resume()
        producers.forEach { $0.resume() }
    }

    /// Drains the queue into `connection` until the session is closed, then closes the
    /// connection. Returns when the connection is closed or has failed.
    func run(on connection: Connection, drainTimeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runCloser(on: connection, drainTimeout: drainTimeout) }
            await self.runWriter(on: connection)
            group.cancelAll()
        }
    }

    private func runWriter(on connection: Connection) async {
        while true {
            let action = state.withLock { state in
                let action = state.machine.nextWriterAction()
                let producers = action.isWrite ? Array(state.producersWaiting.values) : []
                if action.isWrite { state.producersWaiting.removeAll() }
                return (action, producers)
            }
            action.1.forEach { $0.resume() }
            switch action.0 {
            case .write(let frames):
                do {
                    for frame in frames { try await connection.write(frame) }
                } catch {
                    // The connection is gone: nothing queued can be delivered any more, and
                    // producers waiting for space must be released.
                    requestClose(code: .abnormal, reason: "write failed", flush: false)
                    return
                }
            case .wait:
                await waitForWork()
                if Task.isCancelled { return }
            case .close(let request):
                await connection.close(code: request.code, reason: request.reason)
                return
            }
        }
    }

    /// Waits for a close request; a flushing close gets `drainTimeout` to deliver what is
    /// queued before the connection is closed regardless.
    private func runCloser(on connection: Connection, drainTimeout: Duration) async {
        await waitForCloseRequest()
        guard let request = closeRequest, !Task.isCancelled else { return }
        if request.flush {
            do { try await Task.sleep(for: drainTimeout) } catch { return }
        }
        await connection.close(code: request.code, reason: request.reason)
    }

    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.machine.queuedCount > 0 || state.machine.isClosing || Task.isCancelled { return true }
                    state.writerWaiting = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.writerWaiting.take() }?.resume()
        }
    }

    private func waitForCloseRequest() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.machine.isClosing || Task.isCancelled { return true }
                    state.closerWaiting = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.closerWaiting.take() }?.resume()
        }
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

extension OutboundQueueStateMachine.WriterAction {
    fileprivate var isWrite: Bool {
        if case .write = self { return true }
        return false
    }
}

extension Optional {
    /// Returns the value and leaves `nil` behind.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
