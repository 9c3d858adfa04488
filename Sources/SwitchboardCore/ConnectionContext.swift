public import Logging
public import NIOCore

/// The loop-confined shell of one connection: what a ``ConnectionHandler`` talks to, and what
/// a transport drives. Use it only on ``eventLoop`` (handlers are only ever called there).
///
/// It owns the connection's single close path (close request → queue flushed, bounded by the
/// drain timeout → close frame → handshake bounded by the close timeout → closed), its one
/// scheduled timer (the earliest of the handler's deadline, the transport's and the close
/// deadline), and the hand-off of async user work back to the loop.
public final class ConnectionContext {
    private enum Phase {
        /// Serving; `draining` is set while a flushing close delivers what is queued.
        case open(drainingUntil: NIODeadline?)
        /// The close frame is out; waiting for the peer's (or the close timeout).
        case closeSent(until: NIODeadline)
        case closed
    }

    /// The session (the thread-safe handle others use to reach this connection).
    public let session: Session
    /// The connection's event loop.
    public var eventLoop: any EventLoop { io.eventLoop }
    /// The session's logger.
    public var logger: Logger { session.sessionLogger }

    private let io: any ConnectionIO
    private var handler: (any ConnectionHandler)?
    private let drainTimeout: TimeAmount
    private let closeTimeout: TimeAmount
    private let onClosed: (ConnectionContext) -> Void
    private var phase = Phase.open(drainingUntil: nil)
    private var callbackDepth = 0
    private var inputPaused = false
    private var drainNeeded = false
    private var handlerDeadline: NIODeadline?
    private var transportDeadline: NIODeadline?
    private var scheduled: (task: Scheduled<Void>, at: NIODeadline)?
    /// The adapter's metrics (set by ``SwitchboardServer`` when it attaches the connection).
    var metrics: AdapterMetrics?
    /// Messages delivered to the handler and written to the peer (for the session's close log line).
    private(set) var messagesIn = 0
    private(set) var messagesOut = 0
    /// The close code this side asked for, once the connection is gone (`nil`: the peer
    /// closed or vanished).
    private(set) var requestedCloseCode: CloseCode?

    /// Creates the context of a newly accepted connection (``SwitchboardServer`` does this).
    public init(
        session: Session,
        io: any ConnectionIO,
        drainTimeout: Duration,
        closeTimeout: Duration,
        onClosed: @escaping (ConnectionContext) -> Void
    ) {
        self.session = session
        self.io = io
        self.drainTimeout = TimeAmount(drainTimeout)
        self.closeTimeout = TimeAmount(closeTimeout)
        self.onClosed = onClosed
        session.context = self
    }

    /// Installs the protocol handler and tells it the connection is open.
    public func start(_ handler: any ConnectionHandler) {
        self.handler = handler
        callback { handler.opened(context: self) }
    }

    // MARK: - For handlers

    /// Whether a close has been requested (inbound messages are no longer delivered).
    public var isClosing: Bool {
        if case .open = phase { return session.isClosing }
        return true
    }

    /// Queues a reply for the peer; it is written and flushed when the current callback ends.
    /// Replies are never dropped by the queue policy: while the queue is over its limits the
    /// connection stops reading instead (the peer is slowed, as a blocking write would). Use
    /// ``Session/offer(_:)`` for broadcasts, which the policy governs. Returns false once the
    /// connection is closing.
    @discardableResult
    public func write(_ frame: Frame) -> Bool {
        guard session.queue.push(frame) else { return false }
        drainSoon()
        return true
    }

    /// Whether the transport should read more input: false while replies owed to the peer
    /// exceed the queue's limits, or while the handler has paused input.
    public var acceptsInput: Bool { !inputPaused && session.queue.hasSpace }

    /// Stops reading from the peer (a handler at its concurrency limit); messages already
    /// read are still delivered. Undo with ``resumeInput()``.
    public func pauseInput() {
        inputPaused = true
    }

    /// Reads from the peer again after ``pauseInput()``.
    public func resumeInput() {
        guard inputPaused else { return }
        inputPaused = false
        io.inputMayResume()
    }

    /// Closes after what is queued has been delivered (bounded by the drain timeout).
    public func close(code: CloseCode, reason: String = "") {
        session.close(code: code, reason: reason)
    }

    /// Closes at once, discarding what is queued.
    public func abort(code: CloseCode, reason: String = "") {
        session.abort(code: code, reason: reason)
    }

    /// Sets (or with `nil` clears) the handler's one timer; ``ConnectionHandler/timerFired(context:)``
    /// is called once it has passed. Setting it again replaces the deadline.
    public func setTimer(at deadline: ContinuousClock.Instant?) {
        handlerDeadline = deadline.map { NIODeadline.now() + TimeAmount(ContinuousClock.now.duration(to: $0)) }
        reschedule()
    }

    /// Runs async user work off the loop, then `completion` back on the loop (unless the
    /// connection has closed in between, when it is still called so the handler can account
    /// for it; writes then go nowhere).
    public func run<Result: Sendable>(
        _ work: @escaping @Sendable () async -> Result,
        then completion: @escaping (Result, ConnectionContext) -> Void
    ) {
        let bound = NIOLoopBound((self, completion), eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        // Unstructured on purpose: user work outlives the callback that started it, and its
        // result must return to the loop, where the connection's state lives.
        Task {
            let result = await work()
            eventLoop.execute {
                let (context, completion) = bound.value
                context.callback { completion(result, context) }
            }
        }
    }

    // MARK: - For transports

    /// One whole inbound message (call during a read burst; ``readComplete()`` flushes).
    public func received(_ frame: Frame) {
        guard case .open(nil) = phase, !session.isClosing, let handler else { return }
        metrics?.received(frame)
        messagesIn += 1
        callbackDepth += 1
        handler.received(frame, context: self)
        callbackDepth -= 1
    }

    /// The read burst is over: write and flush what the handler queued.
    public func readComplete() {
        if drainNeeded { drain() }
    }

    /// The transport's buffer has room again (or filled up).
    public func writabilityChanged() {
        if io.isWritable { drain() }
    }

    /// Sets (or clears) the transport's deadline; ``ConnectionIO/transportTimerFired()`` is
    /// called once it has passed.
    public func setTransportTimer(at deadline: NIODeadline?) {
        transportDeadline = deadline
        reschedule()
    }

    /// The connection is gone: the last call. Tells the handler, releases the session.
    public func ioClosed() {
        if case .closed = phase { return }
        phase = .closed
        scheduled?.task.cancel()
        scheduled = nil
        // The code this side asked for, if any (before the discard below records 1006).
        requestedCloseCode = session.queue.closeRequest?.code
        metrics?.closed(code: requestedCloseCode)
        session.queue.discard(closing: .abnormal)
        let handler = self.handler
        self.handler = nil
        handler?.closed(context: self)
        session.context = nil
        onClosed(self)
    }

    // MARK: - Draining and closing

    /// Drains when the current callback ends, or on the next loop tick when none is running.
    func drainSoon() {
        if callbackDepth > 0 {
            drainNeeded = true
        } else if !drainNeeded {
            drainNeeded = true
            eventLoop.assumeIsolated().execute { self.drain() }
        }
    }

    /// Writes queued frames while the transport takes them, then acts on a close request.
    func drain() {
        drainNeeded = false
        var wrote = false
        loop: while true {
            switch phase {
            case .closeSent, .closed: break loop
            case .open: break
            }
            guard io.isWritable else {
                // Nothing more goes out until the peer reads; a close that owes nothing (an
                // abort, or a flush with the queue already empty) is sent anyway.
                if let request = session.queue.closeRequest, !request.flush || session.queue.queuedCount == 0 {
                    if wrote { io.flush(); wrote = false }
                    sendClose(code: request.code, reason: request.reason)
                } else {
                    armDrainDeadlineIfClosing()
                }
                break
            }
            switch session.queue.next() {
            case .frame(let frame):
                metrics?.sent(frame)
                messagesOut += 1
                io.write(frame)
                wrote = true
            case .idle:
                break loop
            case .close(let request):
                if wrote { io.flush(); wrote = false }
                sendClose(code: request.code, reason: request.reason)
                break loop
            }
        }
        if wrote {
            io.flush()
            io.inputMayResume()
        }
    }

    private func armDrainDeadlineIfClosing() {
        guard case .open(nil) = phase, session.isClosing else { return }
        phase = .open(drainingUntil: .now() + drainTimeout)
        reschedule()
    }

    private func sendClose(code: CloseCode, reason: String) {
        guard case .open = phase else { return }
        phase = .closeSent(until: .now() + closeTimeout)
        // Nothing but the handshake deadline matters any more (no pings, no protocol timers).
        handlerDeadline = nil
        transportDeadline = nil
        reschedule()
        io.sendClose(code: code, reason: reason)
    }

    private func callback(_ body: () -> Void) {
        callbackDepth += 1
        body()
        callbackDepth -= 1
        if callbackDepth == 0 && drainNeeded { drain() }
    }

    // MARK: - The one timer

    private var closeDeadline: NIODeadline? {
        switch phase {
        case .open(let until): until
        case .closeSent(let until): until
        case .closed: nil
        }
    }

    private func reschedule() {
        var earliest = closeDeadline
        for deadline in [handlerDeadline, transportDeadline] {
            if let deadline, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        if scheduled?.at == earliest { return }
        scheduled?.task.cancel()
        scheduled = nil
        if let earliest {
            let task = eventLoop.assumeIsolated().scheduleTask(deadline: earliest) { self.timerFired() }
            scheduled = (task, earliest)
        }
    }

    private func timerFired() {
        scheduled = nil
        let now = NIODeadline.now()
        switch phase {
        case .closed:
            return
        case .closeSent(let until):
            if until <= now {
                io.closeNow()
                return
            }
        case .open(let until?):
            if until <= now {
                // The peer did not read what was owed in time: give up on it and close.
                logger.debug("drain timeout: discarding queued frames", metadata: ["queue.frames": "\(session.queuedFrames)"])
                let request = session.queue.closeRequest
                session.queue.discard(closing: request?.code ?? .goingAway)
                sendClose(code: request?.code ?? .goingAway, reason: request?.reason ?? "")
                return
            }
        case .open(nil):
            break
        }
        if let deadline = transportDeadline, deadline <= now {
            transportDeadline = nil
            callback { io.transportTimerFired() }
        }
        if let deadline = handlerDeadline, deadline <= now, let handler {
            handlerDeadline = nil
            callback { handler.timerFired(context: self) }
        }
        reschedule()
    }
}

extension TimeAmount {
    /// The same span in NIO's unit.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
