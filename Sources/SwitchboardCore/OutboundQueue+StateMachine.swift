import DequeModule

/// The pure bookkeeping behind ``OutboundQueue``: what is queued, what to do with a new
/// message, what the writer should do next. No locks, no tasks, no time.
struct OutboundQueueStateMachine {
    /// A request to end the session.
    struct CloseRequest: Sendable, Hashable {
        var code: CloseCode
        var reason: String
        /// Deliver what is queued before the close frame.
        var flush: Bool
    }

    enum EnqueueAction: Equatable {
        case enqueued(droppedOldest: Int)
        case dropped
        /// The queue overflowed under a closing policy: the caller must wake the writer.
        case overflowClose(CloseRequest)
        case closed
    }

    enum WriterAction: Equatable {
        case write([Frame])
        case wait
        /// Everything owed is written (or discarded): close the connection with this request.
        case close(CloseRequest)
    }

    /// Open, then closing (with or without frames still owed); nothing moves back.
    enum Phase: Equatable {
        case open
        case closing(CloseRequest)
    }

    private(set) var policy: OutboundQueuePolicy
    private var items: Deque<Frame> = []
    private(set) var queuedBytes = 0
    private(set) var phase = Phase.open

    init(policy: OutboundQueuePolicy) {
        self.policy = policy
    }

    var queuedCount: Int { items.count }
    var isClosing: Bool { phase != .open }
    var closeRequest: CloseRequest? {
        if case .closing(let request) = phase { return request }
        return nil
    }
    var hasSpace: Bool { queuedCount < policy.maxMessages && queuedBytes < policy.maxBytes }

    mutating func enqueue(_ frame: Frame) -> EnqueueAction {
        guard phase == .open else { return .closed }
        let size = frame.byteCount
        if fits(size) {
            append(frame, size: size)
            return .enqueued(droppedOldest: 0)
        }
        switch policy.overflow {
        case .dropNewest:
            return .dropped
        case .dropOldest:
            var dropped = 0
            while let oldest = items.first, !fits(size) {
                queuedBytes -= oldest.byteCount
                items.removeFirst()
                dropped += 1
            }
            append(frame, size: size)
            return .enqueued(droppedOldest: dropped)
        case .close(let code):
            let request = CloseRequest(code: code, reason: "outbound queue overflow", flush: false)
            discardAll()
            phase = .closing(request)
            return .overflowClose(request)
        }
    }

    /// Queues a reply: never dropped and never closing for overflow (the connection stops
    /// reading while the queue is over its limits instead, so the peer is slowed, not cut).
    mutating func push(_ frame: Frame) -> Bool {
        guard phase == .open else { return false }
        append(frame, size: frame.byteCount)
        return true
    }

    /// Records a close request; the first one wins. Returns whether this call set it.
    mutating func requestClose(_ request: CloseRequest) -> Bool {
        guard phase == .open else { return false }
        phase = .closing(request)
        if !request.flush { discardAll() }
        return true
    }

    /// The oldest queued frame, removed from the queue.
    mutating func dequeue() -> Frame? {
        guard let frame = items.popFirst() else { return nil }
        queuedBytes -= frame.byteCount
        return frame
    }

    /// Abandons what is still queued (a flushing close ran out of time).
    mutating func discardAll() {
        items.removeAll(keepingCapacity: false)
        queuedBytes = 0
    }

    /// What the writer should do next; `.write` hands over every queued frame at once.
    mutating func nextWriterAction() -> WriterAction {
        if !items.isEmpty {
            let batch = Array(items)
            discardAll()
            return .write(batch)
        }
        guard let closeRequest else { return .wait }
        return .close(closeRequest)
    }

    /// A message fits if it respects both limits; an empty queue takes any single message.
    func fits(_ size: Int) -> Bool {
        if items.isEmpty { return true }
        return queuedCount + 1 <= policy.maxMessages && queuedBytes + size <= policy.maxBytes
    }

    private mutating func append(_ frame: Frame, size: Int) {
        items.append(frame)
        queuedBytes += size
    }
}
