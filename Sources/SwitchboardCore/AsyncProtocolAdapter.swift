/// An adapter written as one async loop per connection: the server runs
/// ``handle(_:session:)`` in a task of its own, with the connection's inbound messages as an
/// async sequence, and closes the connection normally (1000) when it returns.
///
/// Convenient for simple protocols and tests; it costs a task per connection, which the
/// loop-driven ``ProtocolAdapter`` handlers avoid. Send through the session (its bounded
/// queue keeps ordering and protects other sessions from a slow reader).
///
/// ```swift
/// struct Echo: AsyncProtocolAdapter {
///     let name = "echo"
///     func handle(_ connection: Connection, session: Session) async {
///         for try? await frame in connection.inbound { try? await session.send(frame) }
///     }
/// }
/// ```
public protocol AsyncProtocolAdapter: ProtocolAdapter {
    /// Runs the protocol on one connection until the peer leaves or the adapter closes it.
    func handle(_ connection: Connection, session: Session) async
}

extension AsyncProtocolAdapter {
    /// Bridges the connection to ``handle(_:session:)`` running in its own task.
    public func makeHandler(for session: Session) -> any ConnectionHandler {
        AsyncAdapterBridge(adapter: self, session: session)
    }
}

/// Feeds inbound messages into an `AsyncStream` read by the adapter's task; the task's end
/// closes the session normally (unless the adapter chose a code).
final class AsyncAdapterBridge: ConnectionHandler {
    private let stream: AsyncStream<Frame>
    private let continuation: AsyncStream<Frame>.Continuation

    init(adapter: some AsyncProtocolAdapter, session: Session) {
        (stream, continuation) = AsyncStream<Frame>.makeStream()
        let connection = Connection(
            info: session.info,
            inbound: InboundFrames(StreamFrameSource(stream: stream)),
            writer: SessionFrameWriter(session: session)
        )
        // Unstructured on purpose: this bridge exists to give such adapters their own task;
        // it ends when the connection's inbound stream finishes.
        Task {
            await adapter.handle(connection, session: session)
            session.close(code: .normal)
        }
    }

    func received(_ frame: Frame, context: ConnectionContext) {
        continuation.yield(frame)
    }

    func closed(context: ConnectionContext) {
        continuation.finish()
    }
}

/// Writes through a session's queue (waiting for space), closes through the session.
struct SessionFrameWriter: FrameWriter {
    let session: Session

    func write(_ frame: Frame) async throws {
        try await session.send(frame)
    }

    func close(code: CloseCode, reason: String) async {
        session.close(code: code, reason: reason)
    }
}
