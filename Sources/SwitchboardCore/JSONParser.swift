/// A JSON syntax error with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// Byte offset in the input.
    public var offset: Int

    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(offset)" }
}

/// What the parser accepts beyond RFC 8259, and how deep it may nest.
public struct JSONParseOptions: Sendable, Hashable {
    /// Deepest nesting accepted; deeper input is an error, never a stack overflow.
    public var maxDepth: Int
    /// Accept `NaN`, `Infinity` and `-Infinity`, as Python's `json.loads` does by default.
    public var allowNonFiniteNumbers: Bool

    /// Creates options.
    public init(maxDepth: Int = 256, allowNonFiniteNumbers: Bool = true) {
        self.maxDepth = maxDepth
        self.allowNonFiniteNumbers = allowNonFiniteNumbers
    }

    /// Depth 256, non-finite numbers accepted (Python-compatible input).
    public static let `default` = JSONParseOptions()
}

/// Recursive descent over UTF-8 bytes, bounded by ``JSONParseOptions/maxDepth``.
///
/// It reads the caller's storage in place (a `String`'s UTF-8, an array, a `ByteBuffer`'s
/// readable bytes): a message is parsed without first being copied into an array.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: JSONParseOptions
    var position = 0

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) {
        self.bytes = bytes
        self.options = options
    }

    /// Parses one document from `bytes`, which must stay valid for the call only.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes: bytes, options: options)
        do throws(JSONParseError) {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected content after the value") }
        return value
    }

    private func fail(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: position)
    }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw fail("expected \(literal)") }
        for offset in 0 ..< count where bytes[position + offset] != literal.utf8Start[offset] {
            throw fail("expected \(literal)")
        }
        position += count
        return value
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < options.maxDepth else { throw fail("nesting deeper than \(options.maxDepth)") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "N") where options.allowNonFiniteNumbers: return try expect("NaN", .double(.nan))
        case UInt8(ascii: "I") where options.allowNonFiniteNumbers: return try expect("Infinity", .double(.infinity))
        case UInt8(ascii: "-") where options.allowNonFiniteNumbers && peek(1) == UInt8(ascii: "I"):
            return try expect("-Infinity", .double(-.infinity))
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var values: [JSONValue] = []
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

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var pairs: [JSONValue.Pair] = []
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
            pairs.append(JSONValue.Pair(key: key, value: try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated object") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "}") { return .object(pairs) }
            guard byte == UInt8(ascii: ",") else { throw fail("expected , or }") }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        // Fast path for strings without escapes (nearly all): validate the run in place
        // instead of copying it byte by byte into a scratch array first.
        var end = position
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] != UInt8(ascii: "\\") {
            if bytes[end] == UInt8(ascii: "\"") {
                let start = position
                position = end + 1
                guard let string = String(validating: bytes[start ..< end], as: UTF8.self) else { throw fail("invalid UTF-8") }
                return string
            }
            end += 1
        }
        var utf8 = Array(bytes[position ..< end])
        position = end
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

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONParseError) {
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

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
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

    /// RFC 8259 numbers only: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - first
        }
        func invalid() -> JSONParseError {
            JSONParseError(message: "invalid number", offset: start)
        }
        if peek(0) == UInt8(ascii: "-") { position += 1 }
        if peek(0) == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw invalid()
        }
        var isInteger = true
        if peek(0) == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits() > 0 else { throw invalid() }
        }
        if peek(0) == UInt8(ascii: "e") || peek(0) == UInt8(ascii: "E") {
            position += 1
            isInteger = false
            if peek(0) == UInt8(ascii: "+") || peek(0) == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw invalid() }
        }
        if isInteger, position - start <= 18 {
            // Up to 18 characters, a sign included, always fit an Int64: no text round trip.
            let negative = bytes[start] == UInt8(ascii: "-")
            var magnitude: Int64 = 0
            for index in (negative ? start + 1 : start) ..< position {
                magnitude = magnitude * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            }
            return .integer(negative ? -magnitude : magnitude)
        }
        let text = String(decoding: bytes[start ..< position], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        // Integers beyond Int64 become (lossy) Doubles, as they would in JavaScript.
        guard let double = Double(text) else { throw invalid() }
        return .double(double)
    }
}
