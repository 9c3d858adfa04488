public import SwitchboardCore
import ServiceLifecycle
import Synchronization

/// A server transport without sockets: tests "connect" by calling ``connect(adapter:path:)``
/// and drive the far end through the returned ``RecordingConnection``.
///
/// ```swift
/// let transport = InMemoryServerTransport()
/// let server = SwitchboardServer(transport: transport, adapters: [EchoAdapter()], logger: logger)
/// // run `server` in a task group, then:
/// let peer = try transport.connect(adapter: "echo")
/// peer.send(.text("hi"))
/// ```
public final class InMemoryServerTransport: ServerTransport {
    private let incoming: AsyncStream<Connection>
    private let continuation: AsyncStream<Connection>.Continuation
    private let accepting = Mutex(true)

    /// Creates a transport with no connections.
    public init() {
        (incoming, continuation) = AsyncStream<Connection>.makeStream()
    }

    /// Opens a connection to whatever is listening, routed to `adapter`.
    public func connect(adapter: String, path: String = "/", headers: Headers = Headers()) throws -> RecordingConnection {
        let peer = RecordingConnection(adapter: adapter, path: path, headers: headers)
        let accepted = accepting.withLock { accepting in
            accepting && { if case .enqueued = continuation.yield(peer.connection) { true } else { false } }()
        }
        guard accepted else {
            throw SwitchboardError(code: .connectionFailed, message: "in-memory server is not accepting connections")
        }
        return peer
    }

    /// A client transport whose connections reach this server routed to `adapter`.
    public func client(adapter: String, path: String = "/") -> InMemoryClientTransport {
        InMemoryClientTransport(server: self, adapter: adapter, path: path)
    }

    /// Serves connections until graceful shutdown (stop accepting, wait for connections) or
    /// cancellation.
    public func listen(_ handler: @escaping @Sendable (Connection) async -> Void) async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await connection in incoming {
                    group.addTask { await handler(connection) }
                }
            }
        } onGracefulShutdown: {
            self.stopAccepting()
        }
        stopAccepting()
    }

    private func stopAccepting() {
        accepting.withLock { $0 = false }
        continuation.finish()
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
