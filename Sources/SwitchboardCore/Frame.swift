/// One complete WebSocket message: the only thing that crosses between a transport and a protocol.
///
/// Transports reassemble fragments and undo permessage-deflate before a `Frame` exists, so an
/// adapter always sees whole messages. Control frames (ping, pong, close) never appear here.
public enum Frame: Sendable, Hashable {
    /// A text message; the transport has already checked it is valid UTF-8.
    case text(String)
    /// A binary message.
    case binary([UInt8])

    /// Payload size in bytes, used for queue accounting and size limits.
    public var byteCount: Int {
        switch self {
        case .text(let string): string.utf8.count
        case .binary(let bytes): bytes.count
        }
    }

    /// Whether this is a text message.
    public var isText: Bool {
        if case .text = self { return true }
        return false
    }
}

extension Frame: CustomStringConvertible {
    /// A short description for logs that never includes the payload (it may hold secrets).
    public var description: String {
        switch self {
        case .text(let string): "text(\(string.utf8.count) B)"
        case .binary(let bytes): "binary(\(bytes.count) B)"
        }
    }
}
