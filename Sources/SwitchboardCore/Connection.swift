/// One live WebSocket connection as a protocol adapter sees it: frames in, frames out, close.
///
/// Transports create connections; adapters consume them. Nothing here knows about NIO.
public struct Connection: Sendable {
    /// Where the connection came from.
    public let info: ConnectionInfo
    /// Frames from the peer, in order. Iterate from one task only; ends when the peer closes.
    public let inbound: InboundFrames
    /// The outbound half.
    public let writer: any FrameWriter

    /// Assembles a connection from its halves.
    public init(info: ConnectionInfo, inbound: InboundFrames, writer: any FrameWriter) {
        self.info = info
        self.inbound = inbound
        self.writer = writer
    }

    /// Sends one frame, suspending while the transport applies back-pressure.
    public func write(_ frame: Frame) async throws {
        try await writer.write(frame)
    }

    /// Starts the close handshake; see ``FrameWriter/close(code:reason:)``.
    public func close(code: CloseCode, reason: String = "") async {
        await writer.close(code: code, reason: reason)
    }
}

/// The outbound half of a connection, implemented by each transport.
public protocol FrameWriter: Sendable {
    /// Sends one frame. Suspends while the peer is not reading (back-pressure); throws once
    /// the connection is closed.
    func write(_ frame: Frame) async throws

    /// Sends a close frame and guarantees the connection is torn down within the transport's
    /// close timeout, even if the peer never answers or has stopped reading. Idempotent.
    func close(code: CloseCode, reason: String) async
}

/// A source of inbound frames, implemented by each transport.
public protocol FrameSource: Sendable {
    /// Makes the single iterator over this connection's frames.
    func makeFrameIterator() -> any FrameIterator
}

/// Yields inbound frames one by one; `nil` when the peer has closed.
public protocol FrameIterator {
    /// The next frame, or `nil` at the end of the connection.
    mutating func next() async throws -> Frame?
}

/// The inbound frames of a connection as an `AsyncSequence`.
public struct InboundFrames: AsyncSequence, Sendable {
    /// Frames.
    public typealias Element = Frame

    private let source: any FrameSource
    private let onFrame: (@Sendable (Frame) -> Void)?

    /// Wraps a transport's frame source.
    public init(_ source: any FrameSource) {
        self.source = source
        self.onFrame = nil
    }

    private init(source: any FrameSource, onFrame: @escaping @Sendable (Frame) -> Void) {
        self.source = source
        self.onFrame = onFrame
    }

    /// The same frames, calling `observer` as each one arrives (used for liveness bookkeeping).
    public func observing(_ observer: @escaping @Sendable (Frame) -> Void) -> InboundFrames {
        if let onFrame {
            return InboundFrames(source: source) { frame in
                onFrame(frame)
                observer(frame)
            }
        }
        return InboundFrames(source: source, onFrame: observer)
    }

    /// Iterator over the frames.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: any FrameIterator
        let onFrame: (@Sendable (Frame) -> Void)?

        /// The next frame, or `nil` when the peer has closed.
        public mutating func next() async throws -> Frame? {
            let frame = try await base.next()
            if let frame, let onFrame { onFrame(frame) }
            return frame
        }
    }

    /// Makes the iterator. Call once per connection.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: source.makeFrameIterator(), onFrame: onFrame)
    }
}

/// Adapts an `AsyncStream` of frames to ``FrameSource``.
package struct StreamFrameSource: FrameSource {
    let stream: AsyncStream<Frame>

    /// Wraps `stream`.
    package init(stream: AsyncStream<Frame>) {
        self.stream = stream
    }

    package func makeFrameIterator() -> any FrameIterator {
        Iterator(base: stream.makeAsyncIterator())
    }

    struct Iterator: FrameIterator {
        var base: AsyncStream<Frame>.AsyncIterator
        mutating func next() async throws -> Frame? { await base.next() }
    }
}
