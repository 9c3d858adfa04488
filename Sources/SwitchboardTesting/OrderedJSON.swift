/// A JSON value that keeps object keys in document order and tells integers from floats.
///
/// Foundation's `JSONSerialization` returns unordered dictionaries and folds `1` and `1.0`
/// together; golden vectors need both distinctions, because payloads on the wire are
/// insertion-ordered and canonical encoders write integers and floats differently.
///
/// ```swift
/// let json = try OrderedJSON(parsing: #"{"b": 1, "a": [true, 2.5]}"#)
/// json.objectValue?.map(\.key)   // ["b", "a"]
/// json["a"]?[1]?.doubleValue     // 2.5
/// ```
public enum OrderedJSON: Sendable, Hashable, CustomStringConvertible {
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
    case array([OrderedJSON])
    /// An object as key/value pairs in document order (duplicates kept).
    case object([Pair])

    /// One member of an object.
    public struct Pair: Sendable, Hashable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: OrderedJSON

        /// Creates a member.
        public init(key: String, value: OrderedJSON) {
            self.key = key
            self.value = value
        }
    }

    /// Parses UTF-8 JSON text (RFC 8259; one value with optional surrounding whitespace).
    public init(parsing text: String) throws(OrderedJSONError) {
        self = try Self(parsing: Array(text.utf8))
    }

    /// Parses UTF-8 JSON bytes.
    public init(parsing bytes: [UInt8]) throws(OrderedJSONError) {
        var parser = OrderedJSONParser(bytes: bytes)
        self = try parser.parseDocument()
    }

    /// The member named `key` (the first one, if repeated), when this is an object.
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The element at `index`, when this is an array and the index is in range.
    public subscript(index: Int) -> OrderedJSON? {
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
    public var arrayValue: [OrderedJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members in document order, when this is an object.
    public var objectValue: [Pair]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Compact JSON text (no spaces), keys in stored order.
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .double(let value): output += String(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let pairs):
            output += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(pair.key, to: &output)
                output += ":"
                pair.value.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

/// A JSON syntax error with the byte offset where parsing stopped.
public struct OrderedJSONError: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// Byte offset in the input.
    public var offset: Int

    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(offset)" }
}

/// Recursive descent over UTF-8 bytes; golden vector files are small and trusted, so the
/// only limit is a nesting cap that keeps a corrupt file from overflowing the stack.
private struct OrderedJSONParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(OrderedJSONError) -> OrderedJSON {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected content after the value") }
        return value
    }

    private func fail(_ message: String) -> OrderedJSONError {
        OrderedJSONError(message: message, offset: position)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ literal: String, _ value: OrderedJSON) throws(OrderedJSONError) -> OrderedJSON {
        let utf8 = Array(literal.utf8)
        guard bytes.count - position >= utf8.count, Array(bytes[position ..< position + utf8.count]) == utf8 else {
            throw fail("expected \(literal)")
        }
        position += utf8.count
        return value
    }

    private mutating func parseValue(depth: Int) throws(OrderedJSONError) -> OrderedJSON {
        guard depth < 512 else { throw fail("nesting too deep") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func parseArray(depth: Int) throws(OrderedJSONError) -> OrderedJSON {
        position += 1
        var values: [OrderedJSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(values)
        }
        while true {
            values.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated array") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "]") { return .array(values) }
            guard byte == UInt8(ascii: ",") else { throw fail("expected , or ]") }
        }
    }

    private mutating func parseObject(depth: Int) throws(OrderedJSONError) -> OrderedJSON {
        position += 1
        var pairs: [OrderedJSON.Pair] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(pairs)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected :") }
            position += 1
            pairs.append(OrderedJSON.Pair(key: key, value: try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated object") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "}") { return .object(pairs) }
            guard byte == UInt8(ascii: ",") else { throw fail("expected , or }") }
        }
    }

    private mutating func parseString() throws(OrderedJSONError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return string
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00 ..< 0x20:
                throw fail("control character in string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(OrderedJSONError) {
        guard position < bytes.count else { throw fail("unterminated escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0c)
        case UInt8(ascii: "n"): utf8.append(0x0a)
        case UInt8(ascii: "r"): utf8.append(0x0d)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xd800 ..< 0xdc00).contains(scalar) {
                // A high surrogate must pair with a following \uDC00-\uDFFF escape.
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                position += 2
                let low = try parseHex4()
                guard (0xdc00 ..< 0xe000).contains(low) else { throw fail("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("unpaired surrogate") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw fail("invalid escape")
        }
    }

    private mutating func parseHex4() throws(OrderedJSONError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0 ..< 4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(OrderedJSONError) -> OrderedJSON {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < bytes.count {
            let byte = bytes[position]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                position += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                isInteger = false
                position += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start ..< position], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        // Integers beyond Int64 become (lossy) Doubles; no vector needs more range.
        guard let double = Double(text), text.last.map({ $0.isNumber }) == true else {
            throw OrderedJSONError(message: "invalid number \(text)", offset: start)
        }
        return .double(double)
    }
}
