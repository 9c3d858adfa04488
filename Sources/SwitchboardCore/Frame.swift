public import NIOCore

/// One complete WebSocket message: the only thing that crosses between a transport and a protocol.
///
/// Transports reassemble fragments and undo permessage-deflate before a `Frame` exists, so an
/// adapter always sees whole messages. Control frames (ping, pong, close) never appear here.
/// Binary payloads travel as the `ByteBuffer` the transport read them into (no copy), and a
/// buffer handed to several connections (a broadcast) is shared, not copied.
public enum Frame: Sendable, Hashable {
    /// A text message; the transport has already checked it is valid UTF-8.
    case text(String)
    /// A binary message.
    case binary(ByteBuffer)

    /// A binary message holding `bytes`.
    public static func binary(_ bytes: [UInt8]) -> Frame {
        .binary(ByteBuffer(bytes: bytes))
    }

    /// Payload size in bytes, used for queue accounting and size limits.
    public var byteCount: Int {
        switch self {
        case .text(let string): string.utf8.count
        case .binary(let buffer): buffer.readableBytes
        }
    }

    /// Whether this is a text message.
    public var isText: Bool {
        if case .text = self { return true }
        return false
    }

    /// The binary payload as an array (a copy), or `nil` for a text message.
    public var bytes: [UInt8]? {
        guard case .binary(let buffer) = self else { return nil }
        return Array(buffer.readableBytesView)
    }
}

extension Frame: CustomStringConvertible {
    /// A short description for logs that never includes the payload (it may hold secrets).
    public var description: String {
        switch self {
        case .text(let string): "text(\(string.utf8.count) B)"
        case .binary(let buffer): "binary(\(buffer.readableBytes) B)"
        }
    }
}
