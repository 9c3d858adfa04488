/// One msgpack value: the in-memory form of anything that can appear on the wire.
///
/// Each value has exactly one canonical encoding (the smallest form, the same bytes Python's
/// `msgpack.packb` writes), so equality here means "encodes to the same bytes":
///
/// - integers compare by numeric value: `.uint` only carries values above `Int64.max`, and a
///   `.uint` built by hand with a smaller value equals the matching `.int`;
/// - floating-point values compare by bit pattern, so `NaN == NaN` and `0.0 != -0.0`,
///   and `.float(1)` (float32) differs from `.double(1)` (float64);
/// - maps compare pair by pair **in order**, because key order is part of the wire form.
///
/// ```swift
/// let envelope: MsgPackValue = ["wslink": "1.0", "id": "rpc:c0:1", "args": [1, 2]]
/// let bytes = envelope.encoded()
/// let back = try MsgPackValue(decoding: bytes)
/// assert(back["args"]?[1]?.intValue == 2)
/// ```
public enum MsgPackValue: Sendable {
    /// msgpack `nil` (Python `None`).
    case `nil`
    /// msgpack `true` / `false`.
    case bool(Bool)
    /// A signed integer; also every non-negative integer up to `Int64.max`.
    case int(Int64)
    /// An unsigned integer above `Int64.max` (the decoder never produces smaller ones).
    case uint(UInt64)
    /// A `float 32` value.
    case float(Float)
    /// A `float 64` value (Python `float`).
    case double(Double)
    /// A UTF-8 string (`fixstr` / `str 8/16/32`).
    case string(String)
    /// Raw bytes (`bin 8/16/32`; Python `bytes`).
    case binary([UInt8])
    /// An array of values.
    case array([MsgPackValue])
    /// A map as ordered key/value pairs: order kept, duplicate keys kept as decoded.
    case map([(key: MsgPackValue, value: MsgPackValue)])
    /// An extension value with an application-defined type (any type but −1 when canonical).
    case ext(type: Int8, data: [UInt8])
    /// The msgpack timestamp extension (type −1); `nanoseconds` is below 1 000 000 000.
    case timestamp(seconds: Int64, nanoseconds: UInt32)
}

extension MsgPackValue {
    /// The extension type msgpack reserves for timestamps.
    public static let timestampExtType: Int8 = -1

    /// Builds an integer value in its canonical case (`.int` unless it exceeds `Int64.max`).
    @inlinable
    public static func integer(_ value: some BinaryInteger) -> MsgPackValue {
        if let signed = Int64(exactly: value) { return .int(signed) }
        return .uint(UInt64(value))
    }

    /// Builds a map from ordered pairs.
    public static func map(_ pairs: KeyValuePairs<MsgPackValue, MsgPackValue>) -> MsgPackValue {
        .map(pairs.map { (key: $0.key, value: $0.value) })
    }

    /// The integer as a comparable pair: `(isLarge, bits)`; lets `.uint(5)` equal `.int(5)`.
    @usableFromInline
    var normalizedInteger: (large: Bool, bits: UInt64)? {
        switch self {
        case .int(let value): return (false, UInt64(bitPattern: value))
        case .uint(let value):
            if value <= UInt64(Int64.max) { return (false, value) }
            return (true, value)
        default: return nil
        }
    }
}

extension MsgPackValue: Equatable {
    /// Wire equality: see the type's documentation for integers, floats and map order.
    public static func == (lhs: MsgPackValue, rhs: MsgPackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int, .int), (.int, .uint), (.uint, .int), (.uint, .uint):
            guard let a = lhs.normalizedInteger, let b = rhs.normalizedInteger else { return false }
            return a == b
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for index in a.indices where a[index].key != b[index].key || a[index].value != b[index].value {
                return false
            }
            return true
        case (.ext(let typeA, let dataA), .ext(let typeB, let dataB)):
            return typeA == typeB && dataA == dataB
        case (.timestamp(let secondsA, let nanosA), .timestamp(let secondsB, let nanosB)):
            return secondsA == secondsB && nanosA == nanosB
        default:
            return false
        }
    }
}

extension MsgPackValue: Hashable {
    /// Hashes consistently with `==` (integers by value, floats by bit pattern, maps in order).
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .nil:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .int, .uint:
            let normalized = normalizedInteger!
            hasher.combine(2 as UInt8)
            hasher.combine(normalized.large)
            hasher.combine(normalized.bits)
        case .float(let value):
            hasher.combine(3 as UInt8)
            hasher.combine(value.bitPattern)
        case .double(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value.bitPattern)
        case .string(let value):
            hasher.combine(5 as UInt8)
            hasher.combine(value)
        case .binary(let value):
            hasher.combine(6 as UInt8)
            hasher.combine(value)
        case .array(let values):
            hasher.combine(7 as UInt8)
            hasher.combine(values)
        case .map(let pairs):
            hasher.combine(8 as UInt8)
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        case .ext(let type, let data):
            hasher.combine(9 as UInt8)
            hasher.combine(type)
            hasher.combine(data)
        case .timestamp(let seconds, let nanoseconds):
            hasher.combine(10 as UInt8)
            hasher.combine(seconds)
            hasher.combine(nanoseconds)
        }
    }
}
