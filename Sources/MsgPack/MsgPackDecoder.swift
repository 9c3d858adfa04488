/// Decodes `Decodable` values from msgpack, the way `JSONDecoder` decodes JSON.
///
/// Integers decode into any integer type they fit (otherwise `DecodingError.typeMismatch`),
/// `Double` and `Float` also accept integers, `[UInt8]` and ``MsgPackBinary`` accept `bin`
/// or an array of byte values, and a ``MsgPackValue`` field receives the raw value.
/// Malformed bytes surface as `DecodingError.dataCorrupted` whose `underlyingError` is the
/// ``MsgPackError``.
///
/// ```swift
/// struct Reply: Decodable { var wslink: String; var id: String; var result: MsgPackValue }
/// let reply = try MsgPackDecoder().decode(Reply.self, from: bytes)
/// ```
public struct MsgPackDecoder: Sendable {
    /// Context handed to `init(from:)` through `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Bounds applied while parsing the bytes.
    public var limits: MsgPackDecodingLimits = .default

    /// Creates a decoder with default options.
    public init() {}

    /// Decodes a `T` from one msgpack value spanning all of `bytes`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: try parse { () throws(MsgPackError) in try MsgPackValue(decoding: bytes, limits: limits) })
    }

    /// Decodes a `T` from one msgpack value spanning all of `bytes`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>) throws -> T {
        try decode(type, from: try parse { () throws(MsgPackError) in try MsgPackValue(decoding: bytes, limits: limits) })
    }

    /// Decodes a `T` from an already parsed value.
    public func decode<T: Decodable>(_ type: T.Type, from value: MsgPackValue) throws -> T {
        let options = DecoderOptions(userInfo: userInfo)
        return try _MsgPackDecoder(value: value, codingPath: [], options: options).unbox(type, from: value, at: [])
    }

    private func parse(_ body: () throws(MsgPackError) -> MsgPackValue) throws -> MsgPackValue {
        do {
            return try body()
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "invalid msgpack: \(error)", underlyingError: error))
        }
    }
}

struct DecoderOptions {
    var userInfo: [CodingUserInfoKey: any Sendable]
}

final class _MsgPackDecoder: Decoder {
    let value: MsgPackValue
    let codingPath: [any CodingKey]
    let options: DecoderOptions

    init(value: MsgPackValue, codingPath: [any CodingKey], options: DecoderOptions) {
        self.value = value
        self.codingPath = codingPath
        self.options = options
    }

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let pairs) = value else {
            throw mismatch([String: MsgPackValue].self, value, at: codingPath)
        }
        return KeyedDecodingContainer(MsgPackKeyedDecodingContainer<Key>(decoder: self, pairs: pairs))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw mismatch([MsgPackValue].self, value, at: codingPath)
        }
        return MsgPackUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        MsgPackSingleValueDecodingContainer(decoder: self)
    }

    func nested(_ value: MsgPackValue, at path: [any CodingKey]) -> _MsgPackDecoder {
        _MsgPackDecoder(value: value, codingPath: path, options: options)
    }

    /// Decodes a nested value, short-circuiting the types that have a native msgpack form.
    func unbox<T: Decodable>(_ type: T.Type, from value: MsgPackValue, at path: [any CodingKey]) throws -> T {
        if T.self == MsgPackValue.self { return value as! T }
        if T.self == [UInt8].self { return try unboxBytes(value, at: path) as! T }
        if T.self == MsgPackBinary.self { return MsgPackBinary(try unboxBytes(value, at: path)) as! T }
        return try T(from: nested(value, at: path))
    }

    func unboxBytes(_ value: MsgPackValue, at path: [any CodingKey]) throws -> [UInt8] {
        switch value {
        case .binary(let bytes):
            return bytes
        case .array(let elements):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                bytes.append(try unboxInteger(UInt8.self, element, at: path + [DynamicKey.index(index)]))
            }
            return bytes
        default:
            throw mismatch([UInt8].self, value, at: path)
        }
    }

    func unboxBool(_ value: MsgPackValue, at path: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, at: path) }
        return flag
    }

    func unboxString(_ value: MsgPackValue, at path: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else { throw mismatch(String.self, value, at: path) }
        return string
    }

    func unboxDouble(_ value: MsgPackValue, at path: [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .float(let number): return Double(number)
        case .int(let number): return Double(number)
        case .uint(let number): return Double(number)
        default: throw mismatch(Double.self, value, at: path)
        }
    }

    func unboxFloat(_ value: MsgPackValue, at path: [any CodingKey]) throws -> Float {
        switch value {
        case .float(let number):
            return number
        case .double(let number):
            let narrowed = Float(number)
            guard narrowed.isFinite || !number.isFinite else { throw mismatch(Float.self, value, at: path) }
            return narrowed
        case .int(let number): return Float(number)
        case .uint(let number): return Float(number)
        default: throw mismatch(Float.self, value, at: path)
        }
    }

    func unboxInteger<T: FixedWidthInteger>(_ type: T.Type, _ value: MsgPackValue, at path: [any CodingKey]) throws -> T {
        let result: T?
        switch value {
        case .int(let number): result = T(exactly: number)
        case .uint(let number): result = T(exactly: number)
        default: result = nil
        }
        guard let result else { throw mismatch(T.self, value, at: path) }
        return result
    }

    func mismatch(_ type: Any.Type, _ value: MsgPackValue, at path: [any CodingKey]) -> DecodingError {
        if value.isNil {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "expected \(type), found nil"))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.kindName)"))
    }
}

extension MsgPackValue {
    /// A short type description for error messages; short so huge values stay out of logs.
    var kindName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .int(let value): return "integer \(value)"
        case .uint(let value): return "integer \(value)"
        case .float(let value): return "float32 \(value)"
        case .double(let value): return "float64 \(value)"
        case .string: return "string"
        case .binary: return "binary"
        case .array: return "array"
        case .map: return "map"
        case .ext(let type, _): return "ext type \(type)"
        case .timestamp: return "timestamp"
        }
    }
}
