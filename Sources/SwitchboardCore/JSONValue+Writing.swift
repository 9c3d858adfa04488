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
        String(decoding: encodedBytes(style), as: UTF8.self)
    }

    /// The value as UTF-8 JSON bytes in `style`.
    public func encodedBytes(_ style: JSONWritingStyle = .compact) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        write(to: &output, style)
        return output
    }

    /// Compact JSON text, keys in stored order.
    public var description: String { encoded(.compact) }

    // Bytes rather than a String: appending to a String pays a grapheme-aware append per
    // piece, which was most of the cost of forwarding a CrossComm message.
    private func write(to output: inout [UInt8], _ style: JSONWritingStyle) {
        switch self {
        case .null: Self.append("null", to: &output)
        case .bool(let value): Self.append(value ? "true" : "false", to: &output)
        case .integer(let value): output.append(contentsOf: String(value).utf8)
        case .double(let value): output.append(contentsOf: Self.pythonRepr(value).utf8)
        case .string(let value): Self.writeString(value, to: &output, asciiOnly: style.asciiOnly)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(contentsOf: style.itemSeparator.utf8) }
                value.write(to: &output, style)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let pairs):
            output.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output.append(contentsOf: style.itemSeparator.utf8) }
                Self.writeString(pair.key, to: &output, asciiOnly: style.asciiOnly)
                output.append(contentsOf: style.keySeparator.utf8)
                pair.value.write(to: &output, style)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ literal: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// A string literal escaped the way Python's `json` encoder does.
    public static func writeString(_ string: String, to output: inout String, asciiOnly: Bool) {
        var bytes: [UInt8] = []
        writeString(string, to: &bytes, asciiOnly: asciiOnly)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// A string literal escaped the way Python's `json` encoder does, appended as UTF-8.
    public static func writeString(_ string: String, to output: inout [UInt8], asciiOnly: Bool) {
        output.append(UInt8(ascii: "\""))
        // Most strings (ids, keys, plain text) need no escape: append their bytes whole
        // instead of scalar by scalar.
        let utf8 = string.utf8
        let plain = utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { needsEscape($0, asciiOnly: asciiOnly) }
        } ?? !utf8.contains { needsEscape($0, asciiOnly: asciiOnly) }
        if plain {
            output.append(contentsOf: utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": append("\\\"", to: &output)
            case "\\": append("\\\\", to: &output)
            case "\n": append("\\n", to: &output)
            case "\r": append("\\r", to: &output)
            case "\t": append("\\t", to: &output)
            case "\u{08}": append("\\b", to: &output)
            case "\u{0C}": append("\\f", to: &output)
            case _ where scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7e):
                if scalar.value > 0xffff {
                    // UTF-16 surrogate pair, as Python writes astral characters.
                    let offset = scalar.value - 0x10000
                    appendEscape(0xd800 + (offset >> 10), to: &output)
                    appendEscape(0xdc00 + (offset & 0x3ff), to: &output)
                } else {
                    appendEscape(scalar.value, to: &output)
                }
            default: output.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Whether this UTF-8 byte starts (or is part of) something the slow path escapes.
    private static func needsEscape(_ byte: UInt8, asciiOnly: Bool) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (asciiOnly && byte > 0x7e)
    }

    /// `\u` and four lowercase hex digits, as Python writes them.
    private static func appendEscape(_ unit: UInt32, to output: inout [UInt8]) {
        append("\\u", to: &output)
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8((unit >> UInt32(shift)) & 0xf)
            output.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// Python's `repr(float)`: the shortest round-tripping digits, positional for decimal
    /// exponents in -4..<16 and scientific (`1e+16`, `1e-05`) outside, `NaN`/`Infinity`
    /// as `json.dumps` writes them.
    public static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description already has the shortest round-trip digits; only the layout
        // differs (Swift switches to exponents at 2^53 rather than 1e16). Where Swift writes
        // positional digits, so does Python, in the same layout: use the description as is.
        let description = value.description
        if !description.utf8.contains(UInt8(ascii: "e")) { return description }
        var text = value.sign == .minus ? String(description.dropFirst()) : description
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
