/// How ``JSONValue/encoded(_:)`` lays out text: separators and escaping.
public struct JSONWritingStyle: Sendable, Hashable {
    /// Between array items and object members: `","` or `", "`.
    public var itemSeparator: String
    /// Between a key and its value: `":"` or `": "`.
    public var keySeparator: String
    /// Escape every non-ASCII character as `\uXXXX` (Python's `ensure_ascii=True`).
    public var asciiOnly: Bool

    /// Creates a style.
    public init(itemSeparator: String, keySeparator: String, asciiOnly: Bool) {
        self.itemSeparator = itemSeparator
        self.keySeparator = keySeparator
        self.asciiOnly = asciiOnly
    }

    /// No spaces, UTF-8 kept as is.
    public static let compact = JSONWritingStyle(itemSeparator: ",", keySeparator: ":", asciiOnly: false)
    /// Python's `json.dumps(x)` defaults: `", "`, `": "`, `ensure_ascii=True`.
    public static let python = JSONWritingStyle(itemSeparator: ", ", keySeparator: ": ", asciiOnly: true)
    /// Python's `json.dumps(x, separators=(",", ":"))`: compact, `ensure_ascii=True`.
    public static let pythonCompact = JSONWritingStyle(itemSeparator: ",", keySeparator: ":", asciiOnly: true)
}

extension JSONValue: CustomStringConvertible {
    /// The value as JSON text in `style`, byte-identical to Python's `json.dumps` for the
    /// matching settings (float formatting, escapes, `NaN`/`Infinity`).
    public func encoded(_ style: JSONWritingStyle = .compact) -> String {
        var output = ""
        write(to: &output, style)
        return output
    }

    /// The value as UTF-8 JSON bytes in `style`.
    public func encodedBytes(_ style: JSONWritingStyle = .compact) -> [UInt8] {
        Array(encoded(style).utf8)
    }

    /// Compact JSON text, keys in stored order.
    public var description: String { encoded(.compact) }

    private func write(to output: inout String, _ style: JSONWritingStyle) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .double(let value): output += Self.pythonRepr(value)
        case .string(let value): Self.writeString(value, to: &output, asciiOnly: style.asciiOnly)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += style.itemSeparator }
                value.write(to: &output, style)
            }
            output += "]"
        case .object(let pairs):
            output += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output += style.itemSeparator }
                Self.writeString(pair.key, to: &output, asciiOnly: style.asciiOnly)
                output += style.keySeparator
                pair.value.write(to: &output, style)
            }
            output += "}"
        }
    }

    /// A string literal escaped the way Python's `json` encoder does.
    public static func writeString(_ string: String, to output: inout String, asciiOnly: Bool) {
        output += "\""
        // Most strings (ids, keys, plain text) need no escape: append them whole instead of
        // scalar by scalar, which dominated CrossComm forwarding in the profile (BENCHMARKS.md).
        if !string.utf8.contains(where: { needsEscape($0, asciiOnly: asciiOnly) }) {
            output += string
            output += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7e):
                if scalar.value > 0xffff {
                    // UTF-16 surrogate pair, as Python writes astral characters.
                    let offset = scalar.value - 0x10000
                    appendEscape(0xd800 + (offset >> 10), to: &output)
                    appendEscape(0xdc00 + (offset & 0x3ff), to: &output)
                } else {
                    appendEscape(scalar.value, to: &output)
                }
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// Whether this UTF-8 byte starts (or is part of) something the slow path escapes.
    private static func needsEscape(_ byte: UInt8, asciiOnly: Bool) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (asciiOnly && byte > 0x7e)
    }

    private static func appendEscape(_ unit: UInt32, to output: inout String) {
        let hex = String(unit, radix: 16)
        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// Python's `repr(float)`: the shortest round-tripping digits, positional for decimal
    /// exponents in -4..<16 and scientific (`1e+16`, `1e-05`) outside, `NaN`/`Infinity`
    /// as `json.dumps` writes them.
    public static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description already has the shortest round-trip digits; only the layout
        // differs (Swift switches to exponents at 2^53 rather than 1e16).
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var pointPosition = parts[0].count + exponent
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let decimalExponent = pointPosition - 1
        var result = value.sign == .minus ? "-" : ""
        if (-4..<16).contains(decimalExponent) {
            if pointPosition <= 0 {
                result += "0." + String(repeating: "0", count: -pointPosition) + digits
            } else if pointPosition >= digits.count {
                result += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            } else {
                result += String(digits.prefix(pointPosition)) + "." + String(digits.dropFirst(pointPosition))
            }
        } else {
            let mantissa = digits.count > 1 ? String(digits.prefix(1)) + "." + String(digits.dropFirst()) : digits
            let sign = decimalExponent < 0 ? "-" : "+"
            let magnitude = abs(decimalExponent)
            result += mantissa + "e" + sign + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        return result
    }
}
