public import SwitchboardCore
import Synchronization

/// A connection whose far end is the test: inject inbound frames, read what the adapter wrote,
/// see how it closed. No sockets, no transport.
///
/// ```swift
/// let peer = RecordingConnection(adapter: "echo")
/// let session = sessions.open(peer.connection, adapter: "echo")
/// async let done: Void = adapter.handle(peer.connection, session: session)
/// peer.send(.text("hi"))
/// #expect(try await peer.nextWritten() == .text("hi"))
/// ```
public final class RecordingConnection: Sendable {
    private static let nextID = Atomic<UInt64>(1_000_000)

    /// The connection to hand to the code under test.
    public let connection: Connection
    private let inboundContinuation: AsyncStream<Frame>.Continuation
    /// What the test sent, for the in-memory server transport to deliver (server-side use).
    let inboundFromPeer: AsyncStream<Frame>
    private let log: WrittenLog
    private let writable = Atomic<Bool>(true)
    private let writableObserver = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates a connection routed to `adapter`.
    public init(adapter: String = "test", path: String = "/", peer: String = "127.0.0.1:1", headers: Headers = Headers()) {
        let (stream, continuation) = AsyncStream<Frame>.makeStream()
        let id = ConnectionID(rawValue: Self.nextID.add(1, ordering: .relaxed).newValue)
        let info = ConnectionInfo(
            id: id,
            route: Route(listener: "memory", pathPattern: path, adapter: adapter),
            path: path,
            peer: peer,
            headers: headers
        )
        let log = WrittenLog()
        self.inboundContinuation = continuation
        self.inboundFromPeer = stream
        self.log = log
        self.connection = Connection(
            info: info,
            inbound: InboundFrames(StreamFrameSource(stream: stream)),
            writer: RecordingWriter(log: log, endInbound: { continuation.finish() })
        )
    }

    /// Delivers a frame to the code under test, as if the peer sent it.
    public func send(_ frame: Frame) {
        inboundContinuation.yield(frame)
    }

    /// Whether the server side may write now (a test makes the peer "stop reading" with
    /// ``setWritable(_:)``; frames then stay in the session's queue).
    public var isWritable: Bool { writable.load(ordering: .acquiring) }

    /// Stops or resumes "reading": while not writable, the in-memory transport hands the
    /// server no room, as a socket whose peer stopped reading would.
    public func setWritable(_ isWritable: Bool) {
        writable.store(isWritable, ordering: .releasing)
        if isWritable { writableObserver.withLock { $0 }?() }
    }

    /// Called when the peer becomes writable again (the in-memory transport's hook).
    var onWritable: (@Sendable () -> Void)? {
        get { writableObserver.withLock { $0 } }
        set { writableObserver.withLock { $0 = newValue } }
    }

    /// Ends the inbound stream, as if the peer disconnected.
    public func disconnect() {
        inboundContinuation.finish()
    }

    /// Every frame written so far.
    public var written: [Frame] { log.written }

    /// The close code and reason, once the code under test closed the connection.
    public var closeFrame: (code: CloseCode, reason: String)? { log.closed }

    /// The next frame written that this method has not returned before.
    public func nextWritten(timeout: Duration = .seconds(5)) async throws -> Frame {
        let log = self.log
        return try await withTimeout(timeout, "next written frame") {
            while true {
                let (frame, closed) = log.takeNext()
                if let frame { return frame }
                if closed {
                    throw SwitchboardError(code: .connectionClosed, message: "closed before another frame was written")
                }
                await log.waitForUnreadOrClose()
                try Task.checkCancellation()
            }
        }
    }

    /// The far end as a ``Connection``: its inbound frames are what the code under test wrote,
    /// its writes arrive at the code under test. Lets a client-side component talk to a
    /// server-side one in memory.
    public var peerConnection: Connection {
        let continuation = inboundContinuation
        let info = ConnectionInfo(
            id: connection.info.id,
            route: connection.info.route,
            path: connection.info.path,
            peer: "memory"
        )
        return Connection(
            info: info,
            inbound: InboundFrames(PeerFrameSource(log: log)),
            writer: PeerWriter(log: log, continuation: continuation)
        )
    }

    /// Records a frame written by a server-side connection (the in-memory transport's I/O);
    /// false once closed.
    func recordWrite(_ frame: Frame) -> Bool {
        guard log.closed == nil else { return false }
        log.append(frame)
        return true
    }

    /// Records the server side's close and ends the inbound stream; false if already closed.
    @discardableResult
    func recordClose(code: CloseCode, reason: String) -> Bool {
        guard log.close(code: code, reason: reason) else { return false }
        inboundContinuation.finish()
        return true
    }

    /// Whether the server side has written a close (or the connection ended).
    var isClosed: Bool { log.closed != nil }

    /// Waits until the code under test closes the connection and returns the close code.
    public func waitForClose(timeout: Duration = .seconds(5)) async throws -> CloseCode {
        let log = self.log
        return try await withTimeout(timeout, "close") {
            await log.waitForClose()
            try Task.checkCancellation()
            return log.closed?.code ?? .abnormal
        }
    }
}

/// What the code under test wrote, plus a way to wait for the next change.
final class WrittenLog: Sendable {
    private struct State {
        var written: [Frame] = []
        var readIndex = 0
        var closed: (code: CloseCode, reason: String)?
    }

    private let state = Mutex(State())
    private let changes = ChangeNotifier()

    var written: [Frame] { state.withLock { $0.written } }
    var closed: (code: CloseCode, reason: String)? { state.withLock { $0.closed } }

    /// The next unread frame (if any), and whether the connection is closed.
    func takeNext() -> (Frame?, closed: Bool) {
        state.withLock { state in
            guard state.readIndex < state.written.count else { return (nil, state.closed != nil) }
            defer { state.readIndex += 1 }
            return (state.written[state.readIndex], false)
        }
    }

    func append(_ frame: Frame) {
        state.withLock { $0.written.append(frame) }
        changes.notify()
    }

    /// Records the close; returns false if it was already closed.
    func close(code: CloseCode, reason: String) -> Bool {
        let first = state.withLock { state in
            guard state.closed == nil else { return false }
            state.closed = (code, reason)
            return true
        }
        changes.notify()
        return first
    }

    /// Returns once an unread frame exists or the connection closed (or on cancellation).
    func waitForUnreadOrClose() async {
        await changes.wait { state.withLock { $0.readIndex < $0.written.count || $0.closed != nil } }
    }

    /// Returns once the connection closed (or on cancellation).
    func waitForClose() async {
        await changes.wait { state.withLock { $0.closed != nil } }
    }
}

private struct RecordingWriter: FrameWriter {
    let log: WrittenLog
    let endInbound: @Sendable () -> Void

    func write(_ frame: Frame) async throws {
        guard log.closed == nil else {
            throw SwitchboardError(code: .connectionClosed, message: "recording connection is closed")
        }
        log.append(frame)
    }

    func close(code: CloseCode, reason: String) async {
        if log.close(code: code, reason: reason) { endInbound() }
    }
}

/// The far end's inbound side: replays what the near end wrote, ending when it closes.
private struct PeerFrameSource: FrameSource {
    let log: WrittenLog

    func makeFrameIterator() -> any FrameIterator { Iterator(log: log) }

    struct Iterator: FrameIterator {
        let log: WrittenLog
        mutating func next() async throws -> Frame? {
            while true {
                let (frame, closed) = log.takeNext()
                if let frame { return frame }
                if closed || Task.isCancelled { return nil }
                await log.waitForUnreadOrClose()
            }
        }
    }
}

/// The far end's outbound side: its frames become the near end's inbound frames.
private struct PeerWriter: FrameWriter {
    let log: WrittenLog
    let continuation: AsyncStream<Frame>.Continuation

    func write(_ frame: Frame) async throws {
        guard log.closed == nil, case .enqueued = continuation.yield(frame) else {
            throw SwitchboardError(code: .connectionClosed, message: "in-memory connection is closed")
        }
    }

    func close(code: CloseCode, reason: String) async {
        if log.close(code: code, reason: reason) { continuation.finish() }
    }
}
