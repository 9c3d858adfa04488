public import NIOCore

/// What a transport provides for one connection: raw I/O on the connection's event loop.
/// Everything else — the outbound queue and its policy, the single close path, timers,
/// calling the protocol handler — is ``ConnectionContext``'s, the same for every transport.
///
/// Every method is called on ``eventLoop`` only.
public protocol ConnectionIO: AnyObject {
    /// The loop the connection lives on.
    var eventLoop: any EventLoop { get }
    /// Whether the transport takes more frames now without buffering beyond its bound.
    var isWritable: Bool { get }
    /// Writes one message without flushing.
    func write(_ frame: Frame)
    /// Flushes what was written.
    func flush()
    /// ``ConnectionContext/acceptsInput`` may have become true: a transport that paused
    /// reading because it was false may read again.
    func inputMayResume()
    /// Starts the close handshake with `code` (a code that may not go on the wire closes the
    /// connection at once). The context bounds the handshake with its close timeout.
    func sendClose(code: CloseCode, reason: String)
    /// Closes the connection now, without a handshake.
    func closeNow()
    /// The transport's own deadline (set through ``ConnectionContext/setTransportTimer(at:)``)
    /// has passed: ping, pong deadline.
    func transportTimerFired()
}

/// Attaches accepted connections to the server: the transport calls ``attach(_:io:)`` on the
/// connection's event loop, once the connection is open, and drives the returned context.
public struct ConnectionAcceptor: Sendable {
    private let body: @Sendable (ConnectionInfo, any ConnectionIO) -> ConnectionContext

    /// An acceptor around `body` (``SwitchboardServer`` makes the real one).
    public init(_ body: @escaping @Sendable (ConnectionInfo, any ConnectionIO) -> ConnectionContext) {
        self.body = body
    }

    /// Registers a session for the connection and returns the context the transport drives.
    public func attach(_ info: ConnectionInfo, io: any ConnectionIO) -> ConnectionContext {
        body(info, io)
    }
}

extension ConnectionAcceptor {
    /// Attaches every connection to `adapter` directly, with sessions in `sessions`: for
    /// harnesses that drive a transport without a ``SwitchboardServer`` (fuzz targets).
    package static func direct(
        _ adapter: any ProtocolAdapter,
        sessions: SessionManager,
        closeTimeout: Duration = .seconds(5)
    ) -> ConnectionAcceptor {
        ConnectionAcceptor { info, io in
            let session = sessions.open(info, adapter: adapter.name, eventLoop: io.eventLoop)
            let context = ConnectionContext(
                session: session,
                io: io,
                drainTimeout: sessions.drainTimeout,
                closeTimeout: closeTimeout,
                onClosed: { sessions.remove($0.session) }
            )
            context.start(adapter.makeHandler(for: session))
            return context
        }
    }
}
