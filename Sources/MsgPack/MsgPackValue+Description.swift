extension MsgPackValue: CustomStringConvertible {
    /// A compact, JSON-like rendering for logs and test failures.
    ///
    /// Strings are quoted and escaped, binary shows as `bin(hex)`, float32 as `float32(x)`,
    /// extensions as `ext(type, hex)` and timestamps as `timestamp(seconds, nanoseconds)`.
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .nil: output += "nil"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .uint(let value): output += String(value)
        case .float(let value): output += "float32(\(value))"
        case .double(let value): output += String(value)
        case .string(let value): output += value.debugDescription
        case .binary(let bytes): output += "bin(\(Self.hex(bytes)))"
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += ", " }
                element.write(to: &output)
            }
            output += "]"
        case .map(let pairs):
            output += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output += ", " }
                pair.key.write(to: &output)
                output += ": "
                pair.value.write(to: &output)
            }
            output += "}"
        case .ext(let type, let data): output += "ext(\(type), \(Self.hex(data)))"
        case .timestamp(let seconds, let nanoseconds): output += "timestamp(\(seconds), \(nanoseconds))"
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var scalars: [UInt8] = []
        scalars.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            scalars.append(digits[Int(byte >> 4)])
            scalars.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: scalars, as: UTF8.self)
    }
}
