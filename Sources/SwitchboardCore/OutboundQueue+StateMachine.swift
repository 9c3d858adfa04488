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
        /// The queue overflowed under a closing policy: the caller must wake the closer.
        case overflowClose(CloseRequest)
        case closed
    }

    enum WriterAction: Equatable {
        case write([Frame])
        case wait
        /// Everything owed is written (or discarded): close the connection with this request.
        case close(CloseRequest)
    }

    private(set) var policy: OutboundQueuePolicy
    private var items: [Frame] = []
    private var head = 0
    private(set) var queuedBytes = 0
    private(set) var closeRequest: CloseRequest?

    init(policy: OutboundQueuePolicy) {
        self.policy = policy
    }

    var queuedCount: Int { items.count - head }
    var isClosing: Bool { closeRequest != nil }
    var hasSpace: Bool { queuedCount < policy.maxMessages && queuedBytes < policy.maxBytes }

    mutating func enqueue(_ frame: Frame) -> EnqueueAction {
        guard closeRequest == nil else { return .closed }
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
            while queuedCount > 0 && !fits(size) {
                queuedBytes -= items[head].byteCount
                head += 1
                dropped += 1
            }
            append(frame, size: size)
            return .enqueued(droppedOldest: dropped)
        case .close(let code):
            let request = CloseRequest(code: code, reason: "outbound queue overflow", flush: false)
            discardAll()
            closeRequest = request
            return .overflowClose(request)
        }
    }

    /// Records a close request; the first one wins. Returns whether this call set it.
    mutating func requestClose(_ request: CloseRequest) -> Bool {
        guard closeRequest == nil else { return false }
        closeRequest = request
        if !request.flush { discardAll() }
        return true
    }

    /// What the writer should do next; `.write` hands over every queued frame at once so the
    /// writer wakes once per burst rather than once per message.
    mutating func nextWriterAction() -> WriterAction {
        if queuedCount > 0 {
            let batch = head == 0 ? items : Array(items[head...])
            items = []
            head = 0
            queuedBytes = 0
            return .write(batch)
        }
        guard let closeRequest else { return .wait }
        return .close(closeRequest)
    }

    /// A message fits if it respects both limits; an empty queue takes any single message.
    func fits(_ size: Int) -> Bool {
        if queuedCount == 0 { return true }
        return queuedCount + 1 <= policy.maxMessages && queuedBytes + size <= policy.maxBytes
    }

    private mutating func append(_ frame: Frame, size: Int) {
        // Compact lazily so dropOldest stays O(1) amortised.
        if head > 0 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        items.append(frame)
        queuedBytes += size
    }

    private mutating func discardAll() {
        items.removeAll(keepingCapacity: true)
        head = 0
        queuedBytes = 0
    }
}
