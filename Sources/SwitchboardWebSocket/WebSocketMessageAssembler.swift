import NIOCore
import SwitchboardCore

/// Turns WebSocket data frames into whole ``Frame`` messages, enforcing the message size limit
/// and UTF-8 validity itself so it knows which close code to send (1009, 1007, 1002).
///
/// Used by the server engine (NIO frames, after inflating) and by the client connection
/// (WSCore frames); both feed it the same three facts of a frame.
struct WebSocketMessageAssembler {
    /// A reason to fail the connection.
    struct Violation: Error, Equatable {
        var code: CloseCode
        var reason: String
    }

    /// The data opcodes.
    enum Opcode: Equatable {
        case text, binary, continuation
    }

    let maxMessageSize: Int
    private var opcode: Opcode?
    private var buffer = ByteBuffer()

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Whether a message is in progress (its first frame has arrived, its last not yet).
    var isAssembling: Bool { opcode != nil }

    /// Feeds one data frame; returns a message when it completes one.
    mutating func feed(_ frameOpcode: Opcode, fin: Bool, data: ByteBuffer) throws(Violation) -> Frame? {
        switch (frameOpcode, opcode) {
        case (.continuation, nil):
            throw Violation(code: .protocolError, reason: "continuation frame without a message")
        case (.text, .some), (.binary, .some):
            throw Violation(code: .protocolError, reason: "new message before the previous one finished")
        case (.continuation, .some(let started)):
            try append(data)
            guard fin else { return nil }
            defer { reset() }
            return try Self.message(started, buffer)
        case (.text, nil), (.binary, nil):
            guard data.readableBytes <= maxMessageSize else { throw tooBig() }
            if fin { return try Self.message(frameOpcode, data) }
            opcode = frameOpcode
            buffer = data
            return nil
        }
    }

    private mutating func append(_ data: ByteBuffer) throws(Violation) {
        guard buffer.readableBytes + data.readableBytes <= maxMessageSize else { throw tooBig() }
        var data = data
        buffer.writeBuffer(&data)
    }

    private mutating func reset() {
        opcode = nil
        buffer = ByteBuffer()
    }

    private func tooBig() -> Violation {
        Violation(code: .messageTooBig, reason: "message exceeds \(maxMessageSize) bytes")
    }

    private static func message(_ opcode: Opcode, _ data: ByteBuffer) throws(Violation) -> Frame {
        if opcode == .binary {
            return .binary(data)
        }
        guard let text = data.withUnsafeReadableBytes({ validatedString($0.assumingMemoryBound(to: UInt8.self)) }) else {
            throw Violation(code: .invalidPayload, reason: "text message is not valid UTF-8")
        }
        return .text(text)
    }

    /// `String(validating:as:)` runs unspecialized (generic metadata lookups on every call);
    /// ASCII text, the common case, is taken as is by `String(decoding:as:)`.
    private static func validatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        if high < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }
}
