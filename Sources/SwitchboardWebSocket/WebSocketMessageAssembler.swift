import NIOCore
import SwitchboardCore
import WSCore

/// Turns WebSocket data frames into whole ``Frame`` messages, enforcing the message size limit
/// and UTF-8 validity itself so it knows which close code to send (1009, 1007, 1002).
///
/// The underlying library would throw an error that hides the code behind an internal type,
/// and would not bound a single unfragmented message at all.
struct WebSocketMessageAssembler {
    /// A reason to fail the connection.
    struct Violation: Error, Equatable {
        var code: CloseCode
        var reason: String
    }

    let maxMessageSize: Int
    private var opcode: WebSocketDataFrame.Opcode?
    private var buffer = ByteBuffer()

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Feeds one data frame; returns a message when `frame` completes one.
    mutating func feed(_ frame: WebSocketDataFrame) throws(Violation) -> Frame? {
        switch (frame.opcode, opcode) {
        case (.continuation, nil):
            throw Violation(code: .protocolError, reason: "continuation frame without a message")
        case (.text, .some), (.binary, .some):
            throw Violation(code: .protocolError, reason: "new message before the previous one finished")
        case (.continuation, .some(let started)):
            try append(frame.data)
            guard frame.fin else { return nil }
            defer { reset() }
            return try Self.message(started, buffer)
        case (.text, nil), (.binary, nil):
            guard frame.data.readableBytes <= maxMessageSize else { throw tooBig() }
            if frame.fin { return try Self.message(frame.opcode, frame.data) }
            opcode = frame.opcode
            buffer = frame.data
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

    private static func message(_ opcode: WebSocketDataFrame.Opcode, _ data: ByteBuffer) throws(Violation) -> Frame {
        if opcode == .binary {
            return .binary(Array(data.readableBytesView))
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
