extension MsgPackValue {
    /// Whether the value is msgpack `nil`.
    public var isNil: Bool {
        if case .nil = self { return true }
        return false
    }

    /// The boolean, if this is a `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer as `Int`, if this is an integer that fits.
    public var intValue: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .uint(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// The integer as `Int64`, if this is an integer that fits.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The integer as `UInt64`, if this is a non-negative integer.
    public var uint64Value: UInt64? {
        switch self {
        case .int(let value): return UInt64(exactly: value)
        case .uint(let value): return value
        default: return nil
        }
    }

    /// The number as `Double`: float64, float32 (widened) or an integer (possibly rounded).
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .float(let value): return Double(value)
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        default: return nil
        }
    }

    /// The string, if this is a `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The bytes, if this is a `.binary`.
    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an `.array`.
    public var arrayValue: [MsgPackValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The ordered pairs, if this is a `.map`.
    public var mapValue: [(key: MsgPackValue, value: MsgPackValue)]? {
        if case .map(let value) = self { return value }
        return nil
    }

    /// The element at `index` of an `.array`; `nil` when out of range or not an array.
    public subscript(index: Int) -> MsgPackValue? {
        guard case .array(let values) = self, values.indices.contains(index) else { return nil }
        return values[index]
    }

    /// The value under `key` in a `.map`; the **last** match wins, as in a Python dict.
    public subscript(key: MsgPackValue) -> MsgPackValue? {
        guard case .map(let pairs) = self else { return nil }
        for pair in pairs.reversed() where pair.key == key {
            return pair.value
        }
        return nil
    }

    /// The value under the string `key` in a `.map`; the **last** match wins.
    public subscript(key: String) -> MsgPackValue? {
        guard case .map(let pairs) = self else { return nil }
        for pair in pairs.reversed() {
            if case .string(let candidate) = pair.key, candidate == key { return pair.value }
        }
        return nil
    }
}
