import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
@testable import SwitchboardCore
import SwitchboardTesting

/// A logger that discards everything (no global bootstrap).
let testLogger = Logger(label: "switchboard.core.tests") { _ in SwiftLogNoOpLogHandler() }

/// A value that tests can wait on: every `update` wakes the waiters, and `wait` re-checks its
/// condition under the lock before sleeping, so no change is ever missed.
final class Watched<Value: Sendable>: Sendable {
    private struct State: Sendable {
        var value: Value
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    var value: Value { state.withLock { $0.value } }

    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R {
        let (result, waiters) = state.withLock { state in
            let result = body(&state.value)
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (result, waiters)
        }
        waiters.forEach { $0.resume() }
        return result
    }

    /// Waits (bounded by `timeout`) until `extract` returns a value.
    func wait<R: Sendable>(
        _ what: String,
        timeout: Duration = .seconds(5),
        until extract: @escaping @Sendable (Value) -> R?
    ) async throws -> R {
        try await withTimeout(timeout, what) {
            while true {
                if let result = self.state.withLock({ extract($0.value) }) { return result }
                let id = self.state.withLock { state in
                    state.nextID += 1
                    return state.nextID
                }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { state in
                            if extract(state.value) != nil || Task.isCancelled { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
                try Task.checkCancellation()
            }
        }
    }

    /// Waits until `condition` holds.
    func wait(_ what: String, timeout: Duration = .seconds(5), until condition: @escaping @Sendable (Value) -> Bool) async throws {
        let _: Bool = try await wait(what, timeout: timeout) { condition($0) ? true : nil }
    }
}

/// A writer that holds every write until its gate opens, recording what it was asked to write,
/// and that fails held writes when closed (as a real transport tears down a stuck connection).
/// Delivered writes and the close go on to `base`, usually a ``RecordingConnection``'s writer.
final class GatedWriter: FrameWriter {
    struct Status: Sendable {
        var isOpen: Bool
        var held: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextID: UInt64 = 0
        /// Every frame `write` was called with, in call order (delivered or not).
        var attempted: [Frame] = []
        var closeCode: CloseCode?
    }

    let status: Watched<Status>
    private let base: any FrameWriter

    init(base: any FrameWriter, open: Bool = false) {
        self.base = base
        self.status = Watched(Status(isOpen: open))
    }

    func write(_ frame: Frame) async throws {
        let id = status.update { status in
            status.attempted.append(frame)
            status.nextID += 1
            return status.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let verdict: Bool? = status.update { status in
                    if status.closeCode != nil || Task.isCancelled { return false }
                    if status.isOpen { return true }
                    status.held[id] = continuation
                    return nil
                }
                switch verdict {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: SwitchboardError(code: .connectionClosed, message: "gated writer closed"))
                case nil: break
                }
            }
        } onCancel: {
            status.update { $0.held.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
        try await base.write(frame)
    }

    func close(code: CloseCode, reason: String) async {
        let held = status.update { status in
            if status.closeCode == nil { status.closeCode = code }
            let held = Array(status.held.values)
            status.held.removeAll()
            return held
        }
        held.forEach { $0.resume(throwing: SwitchboardError(code: .connectionClosed, message: "gated writer closed")) }
        await base.close(code: code, reason: reason)
    }

    /// Lets every held and future write through.
    func open() {
        let held = status.update { status in
            status.isOpen = true
            let held = Array(status.held.values)
            status.held.removeAll()
            return held
        }
        held.forEach { $0.resume() }
    }

    /// Waits until a write is held at the gate and returns the frames attempted so far.
    @discardableResult
    func waitUntilHeld() async throws -> [Frame] {
        try await status.wait("a write held at the gate") { $0.held.isEmpty ? nil : $0.attempted }
    }

    /// Waits for the close and returns its code.
    func waitForClose() async throws -> CloseCode {
        try await status.wait("gated writer close") { $0.closeCode }
    }
}

extension RecordingConnection {
    /// The same connection with its writer behind a closed gate.
    func gated(open: Bool = false) -> (connection: Connection, writer: GatedWriter) {
        let writer = GatedWriter(base: connection.writer, open: open)
        return (Connection(info: connection.info, inbound: connection.inbound, writer: writer), writer)
    }
}

/// Drives each session's outbound queue through a ``ConnectionContext`` on its event loop, as a
/// transport would, for the duration of `body`; then aborts the sessions and waits (bounded)
/// for every connection to end. The transport under each context hands frames to
/// `connection`'s writer one at a time and counts as unwritable while one is in flight (a
/// socket buffer one frame deep), so a gated writer stalls the queue as a peer that stopped
/// reading would. `body` gets the set of sessions whose connection has already ended.
func withQueueRunners(
    _ runners: [(session: Session, connection: Connection)],
    drainTimeout: Duration = .seconds(60),
    closeTimeout: Duration = .milliseconds(200),
    _ body: (_ ended: Watched<Set<ConnectionID>>) async throws -> Void
) async throws {
    let ended = Watched(Set<ConnectionID>())
    for runner in runners {
        let session = runner.session
        guard let loop = session.eventLoop else { preconditionFailure("queue runner sessions need an event loop") }
        let io = PumpIO(eventLoop: loop, writer: runner.connection.writer)
        try await loop.submit {
            let context = ConnectionContext(session: session, io: io, drainTimeout: drainTimeout, closeTimeout: closeTimeout) { context in
                ended.update { _ = $0.insert(context.session.id) }
            }
            io.attach(context)
            context.drain()
        }.get()
    }
    try await body(ended)
    for runner in runners { runner.session.abort(code: .normal, reason: "test over") }
    let all = Set(runners.map(\.session.id))
    try await ended.wait("every connection to end") { $0.isSuperset(of: all) }
}

/// A transport connection for ``withQueueRunners``: writes go to an async writer one at a
/// time, in order; the close frame goes after them; a hard close goes at once.
final class PumpIO: ConnectionIO, @unchecked Sendable {
    // @unchecked: `context`, `inFlight` and `requestedClose` are touched on `eventLoop` only.
    private enum Operation: Sendable {
        case write(Frame)
        case close(CloseCode, String)
    }

    let eventLoop: any EventLoop
    private let writer: any FrameWriter
    private let operations: AsyncStream<Operation>.Continuation
    private var context: ConnectionContext?
    private var inFlight = 0
    private var requestedClose: (CloseCode, String)?

    init(eventLoop: any EventLoop, writer: any FrameWriter) {
        self.eventLoop = eventLoop
        self.writer = writer
        let (stream, continuation) = AsyncStream<Operation>.makeStream()
        self.operations = continuation
        Task { [writer] in
            for await operation in stream {
                switch operation {
                case .write(let frame):
                    do {
                        try await writer.write(frame)
                        eventLoop.execute { self.wrote() }
                    } catch {
                        eventLoop.execute { self.end() }
                        return
                    }
                case .close(let code, let reason):
                    await writer.close(code: code, reason: reason)
                    eventLoop.execute { self.end() }
                    return
                }
            }
        }
    }

    func attach(_ context: ConnectionContext) { self.context = context }

    var isWritable: Bool { inFlight == 0 }

    func write(_ frame: Frame) {
        inFlight += 1
        operations.yield(.write(frame))
    }

    func flush() {}
    func inputMayResume() {}
    func transportTimerFired() {}

    func sendClose(code: CloseCode, reason: String) {
        requestedClose = (code, reason)
        operations.yield(.close(code, reason))
    }

    func closeNow() {
        let (code, reason) = requestedClose ?? (.abnormal, "")
        let writer = self.writer
        let eventLoop = self.eventLoop
        // The connection ends once the writer has recorded the close (tests read it after).
        Task {
            await writer.close(code: code, reason: reason)
            eventLoop.execute { self.end() }
        }
    }

    private func wrote() {
        inFlight -= 1
        context?.writabilityChanged()
    }

    private func end() {
        operations.finish()
        guard let context else { return }
        self.context = nil
        context.ioClosed()
    }
}

/// Runs a ``SwitchboardServer`` inside a `ServiceGroup` for the duration of `body`, then shuts it
/// down gracefully and waits (bounded) for `run()` to return.
func withServer<Transport: ServerTransport>(
    transport: Transport,
    adapters: [any ProtocolAdapter],
    sessions: SessionManager? = nil,
    _ body: (SwitchboardServer<Transport>, ServiceGroup) async throws -> Void
) async throws {
    let server = SwitchboardServer(transport: transport, adapters: adapters, sessions: sessions, logger: testLogger)
    let serviceGroup = ServiceGroup(services: [server], logger: testLogger)
    let finished = Watched(false)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { finished.update { $0 = true } }
            try await serviceGroup.run()
        }
        try await body(server, serviceGroup)
        await serviceGroup.triggerGracefulShutdown()
        try await finished.wait("service group to return after graceful shutdown") { $0 }
        try await group.waitForAll()
    }
}
