public import NIOCore

/// A JSON value that keeps object keys in document order and tells integers from floats.
///
/// Foundation's `JSONSerialization` returns unordered dictionaries and folds `1` and `1.0`
/// together; the wire needs both distinctions, because the originals write insertion-ordered
/// objects and Python writes integers and floats differently. Shared by every JSON protocol
/// (CrossComm, siyi, wslink 1.x) and by the golden-vector tests.
///
/// ```swift
/// let json = try JSONValue(parsing: #"{"b": 1, "a": [true, 2.5]}"#)
/// json.objectValue?.map(\.key)   // ["b", "a"]
/// json["a"]?[1]?.doubleValue     // 2.5
/// ```
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int64`.
    case integer(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object as key/value pairs in document order (duplicates kept).
    case object([Pair])

    /// One member of an object.
    public struct Pair: Sendable, Hashable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: JSONValue

        /// Creates a member.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Parses UTF-8 JSON text (RFC 8259; one value with optional surrounding whitespace).
    public init(parsing text: String, options: JSONParseOptions = .default) throws(JSONParseError) {
        var text = text
        self = try text.withUTF8 { JSONParser.parse($0, options: options) }.get()
    }

    /// Parses UTF-8 JSON bytes.
    public init(parsing bytes: [UInt8], options: JSONParseOptions = .default) throws(JSONParseError) {
        self = try bytes.withUnsafeBufferPointer { JSONParser.parse($0, options: options) }.get()
    }

    /// Parses the readable bytes of `buffer` as UTF-8 JSON, in place.
    public init(parsing buffer: ByteBuffer, options: JSONParseOptions = .default) throws(JSONParseError) {
        self = try buffer.withUnsafeReadableBytes { raw in
            JSONParser.parse(raw.assumingMemoryBound(to: UInt8.self), options: options)
        }.get()
    }

    /// The member named `key` (the first one, if repeated), when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The element at `index`, when this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let values) = self, values.indices.contains(index) else { return nil }
        return values[index]
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// The boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer, when this is an integer.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The integer as `Int`, when this is an integer.
    public var intValue: Int? { integerValue.flatMap { Int(exactly: $0) } }

    /// The number as `Double` (integers converted).
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members in document order, when this is an object.
    public var objectValue: [Pair]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
