/// A failure to decode (or, from the `Codable` layer, to map) msgpack bytes.
///
/// `offset` is the byte offset in the input where the offending item starts, so a log line
/// can point at it. Compare `code` against the static members of ``Code``:
///
/// ```swift
/// do { _ = try MsgPackValue(decoding: bytes) }
/// catch let error where error.code == .truncated { /* wait for more bytes */ }
/// ```
public struct MsgPackError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an open set of named codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case truncated, invalidByte, depthExceeded, limitExceeded, invalidUTF8, trailingBytes
            case typeMismatch, valueOutOfRange
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The input ended inside a value (in a stream: more bytes are needed).
        public static let truncated = Code(.truncated)
        /// A byte that is not a msgpack type marker (`0xc1`).
        public static let invalidByte = Code(.invalidByte)
        /// Containers nest deeper than ``MsgPackDecodingLimits/maxDepth``.
        public static let depthExceeded = Code(.depthExceeded)
        /// A length, count or input size exceeds a ``MsgPackDecodingLimits`` bound.
        public static let limitExceeded = Code(.limitExceeded)
        /// A `str` value is not valid UTF-8.
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A complete value was followed by more bytes where exactly one value was expected.
        public static let trailingBytes = Code(.trailingBytes)
        /// A value has a different msgpack type than the caller required.
        public static let typeMismatch = Code(.typeMismatch)
        /// A value has the right type but cannot be represented (for example an integer overflow).
        public static let valueOutOfRange = Code(.valueOutOfRange)

        /// The code's name, such as `truncated`.
        public var description: String { kind.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Byte offset in the input where the offending item starts.
    public var offset: Int

    /// Creates an error.
    public init(code: Code, message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    /// `"<code> at offset <n>: <message>"`.
    public var description: String { "\(code) at offset \(offset): \(message)" }
}
