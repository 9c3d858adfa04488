public import NIOCore
public import NIOPosix
public import SwitchboardCore
import ServiceLifecycle
import Synchronization

/// A server transport without sockets: tests "connect" by calling ``connect(adapter:path:headers:)``
/// and drive the far end through the returned ``RecordingConnection``. Connections run on a
/// real NIO event loop through the same seam as the WebSocket transport
/// (``ConnectionAcceptor`` → ``ConnectionContext`` → the adapter's handler).
///
/// ```swift
/// let transport = InMemoryServerTransport()
/// let server = SwitchboardServer(transport: transport, adapters: [EchoAdapter()], logger: logger)
/// // run `server` in a task group, then:
/// let peer = try transport.connect(adapter: "echo")
/// peer.send(.text("hi"))
/// ```
public final class InMemoryServerTransport: ServerTransport {
    private struct State {
        var accepting = true
        var waiting: [RecordingConnection] = []
        var acceptor: ConnectionAcceptor?
        var open: [ConnectionID: InMemoryIO] = [:]
    }

    private let state = Mutex(State())
    private let changes = ChangeNotifier()
    private let group: any EventLoopGroup

    /// The adapter names routes may use; `[]` accepts any (tests route by name at connect time).
    public let routedAdapters: Set<String> = []
    /// How long graceful shutdown waits for connections.
    public let drainTimeout: Duration
    /// Close handshakes complete at once in memory; this only bounds a stuck one.
    public let closeTimeout: Duration = .seconds(5)

    /// Creates a transport with no connections, running connections on `group`'s loops.
    public init(drainTimeout: Duration = .seconds(5), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.drainTimeout = drainTimeout
        self.group = group
    }

    /// Opens a connection to whatever is listening, routed to `adapter`. Connections opened
    /// before the server runs are attached once it does.
    public func connect(adapter: String, path: String = "/", headers: Headers = Headers()) throws -> RecordingConnection {
        let peer = RecordingConnection(adapter: adapter, path: path, headers: headers)
        let acceptor = try state.withLock { state -> ConnectionAcceptor? in
            guard state.accepting else {
                throw SwitchboardError(code: .connectionFailed, message: "in-memory server is not accepting connections")
            }
            guard let acceptor = state.acceptor else {
                state.waiting.append(peer)
                return nil
            }
            return acceptor
        }
        if let acceptor { attach(peer, acceptor: acceptor) }
        return peer
    }

    /// A client transport whose connections reach this server routed to `adapter`.
    public func client(adapter: String, path: String = "/") -> InMemoryClientTransport {
        InMemoryClientTransport(server: self, adapter: adapter, path: path)
    }

    /// Serves connections until graceful shutdown (stop accepting, wait for connections up to
    /// the drain timeout, then drop the rest) or cancellation.
    public func listen(_ acceptor: ConnectionAcceptor) async throws {
        let waiting = state.withLock { state in
            state.acceptor = acceptor
            defer { state.waiting = [] }
            return state.waiting
        }
        for peer in waiting { attach(peer, acceptor: acceptor) }
        await withGracefulShutdownHandler {
            await waitUntil { !self.state.withLock { $0.accepting } }
        } onGracefulShutdown: {
            self.state.withLock { $0.accepting = false }
            self.changes.notify()
        }
        // Graceful shutdown or cancellation: nothing new is accepted either way.
        state.withLock { $0.accepting = false }
        _ = try? await withTimeout(drainTimeout) { await self.waitUntil { self.state.withLock { $0.open.isEmpty } } }
        for io in state.withLock({ Array($0.open.values) }) {
            io.eventLoop.execute { io.closeNow() }
        }
        await waitUntil { self.state.withLock { $0.open.isEmpty } }
    }

    private func waitUntil(_ condition: @escaping @Sendable () -> Bool) async {
        await withTaskCancellationHandler {
            await changes.wait(until: condition)
        } onCancel: {
            self.changes.notify()
        }
    }

    private func attach(_ peer: RecordingConnection, acceptor: ConnectionAcceptor) {
        let loop = group.next()
        let io = InMemoryIO(peer: peer, eventLoop: loop) { [weak self] id in
            self?.state.withLock { _ = $0.open.removeValue(forKey: id) }
            self?.changes.notify()
        }
        state.withLock { $0.open[peer.connection.info.id] = io }
        loop.execute {
            io.start(acceptor.attach(peer.connection.info, io: io))
        }
        // The far end's frames reach the server on its loop, one read burst each.
        Task {
            for await frame in peer.inboundFromPeer {
                loop.execute { io.deliver(frame) }
            }
            loop.execute { io.peerLeft() }
        }
    }
}

/// The in-memory connection's I/O: writes land in the peer's log; loop-confined.
final class InMemoryIO: ConnectionIO, @unchecked Sendable {
    // @unchecked: every mutable field is touched on `eventLoop` only (the transport hops there).
    let eventLoop: any EventLoop
    private let peer: RecordingConnection
    private let onEnd: @Sendable (ConnectionID) -> Void
    private var context: ConnectionContext?
    private var ended = false

    init(peer: RecordingConnection, eventLoop: any EventLoop, onEnd: @escaping @Sendable (ConnectionID) -> Void) {
        self.peer = peer
        self.eventLoop = eventLoop
        self.onEnd = onEnd
    }

    var isWritable: Bool { peer.isWritable }

    func start(_ context: ConnectionContext) {
        self.context = context
        peer.onWritable = { [weak self] in
            guard let self else { return }
            self.eventLoop.execute { self.context?.writabilityChanged() }
        }
        if peer.isClosed { end() }
    }

    func deliver(_ frame: Frame) {
        guard !ended else { return }
        context?.received(frame)
        context?.readComplete()
    }

    /// The far end's stream ended: as if it sent a close frame, which the server answers with
    /// 1000 before the connection ends (the WebSocket engine does the same).
    func peerLeft() {
        peer.recordClose(code: .normal, reason: "")
        end()
    }

    func write(_ frame: Frame) { _ = peer.recordWrite(frame) }
    func flush() {}
    func inputMayResume() {}
    func transportTimerFired() {}

    func sendClose(code: CloseCode, reason: String) {
        peer.recordClose(code: code, reason: reason)
        // The in-memory handshake completes at once.
        eventLoop.execute { self.end() }
    }

    func closeNow() {
        peer.recordClose(code: .abnormal, reason: "")
        end()
    }

    private func end() {
        guard !ended else { return }
        ended = true
        context?.ioClosed()
        context = nil
        onEnd(peer.connection.info.id)
    }
}

/// Connects to an ``InMemoryServerTransport`` as a ``ClientTransport``.
public struct InMemoryClientTransport: ClientTransport {
    let server: InMemoryServerTransport
    let adapter: String
    let path: String

    /// Connects, runs `body`, then closes normally. The outcome reports the server's close
    /// code when the server closed first.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        let peer = try server.connect(adapter: adapter, path: path)
        let connection = peer.peerConnection
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await connection.close(code: .normal, reason: "")
            throw error
        }
        let serverClose = peer.closeFrame
        await connection.close(code: .normal, reason: "")
        return ClientConnectionOutcome(result: result, closeCode: serverClose?.code, closeReason: serverClose?.reason)
    }
}
