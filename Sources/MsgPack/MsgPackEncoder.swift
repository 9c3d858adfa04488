/// Encodes `Encodable` values as msgpack, the way `JSONEncoder` encodes JSON.
///
/// Keyed containers keep the order in which fields are encoded (synthesized conformances
/// encode in declaration order), so the bytes match a Python dict built in the same order.
/// `Float` becomes float32, `Double` float64, `[UInt8]` and ``MsgPackBinary`` become `bin`,
/// and a ``MsgPackValue`` is written as is.
///
/// ```swift
/// struct Call: Encodable { var wslink = "1.0"; var id: String; var method: String; var args: [Int] }
/// let bytes = try MsgPackEncoder().encode(Call(id: "rpc:c0:1", method: "demo.add", args: [1, 2]))
/// ```
public struct MsgPackEncoder: Sendable {
    /// Context handed to `encode(to:)` through `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// When `true`, a `nil` optional in a keyed container writes its key with msgpack `nil`
    /// (as a Python dict holding `None` does) instead of leaving the key out.
    public var encodesNilOptionals = false

    /// Creates an encoder with default options.
    public init() {}

    /// Encodes `value` to msgpack bytes.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try encodeToValue(value).encoded()
    }

    /// Appends the msgpack encoding of `value` to `buffer`.
    public func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws {
        try encodeToValue(value).encode(into: &buffer)
    }

    /// Encodes `value` to a ``MsgPackValue`` tree without serializing it.
    public func encodeToValue<T: Encodable>(_ value: T) throws -> MsgPackValue {
        try _MsgPackEncoder(options: options, codingPath: []).box(value, at: []).finalized()
    }

    private var options: EncoderOptions {
        EncoderOptions(userInfo: userInfo, encodesNilOptionals: encodesNilOptionals)
    }
}

struct EncoderOptions {
    var userInfo: [CodingUserInfoKey: any Sendable]
    var encodesNilOptionals: Bool
}

/// A slot in the tree being built: finished values inline, containers by reference so
/// nested containers can keep appending after they are handed out.
enum EncodedNode {
    case value(MsgPackValue)
    case array(ArrayNode)
    case map(MapNode)
    /// A `superEncoder()` whose content is only known once the caller has written it.
    case deferred(_MsgPackEncoder)

    func finalized() -> MsgPackValue {
        switch self {
        case .value(let value): return value
        case .array(let node): return .array(node.items.map { $0.finalized() })
        case .map(let node):
            var pairs: [(key: MsgPackValue, value: MsgPackValue)] = []
            pairs.reserveCapacity(node.keys.count)
            for index in node.keys.indices {
                pairs.append((key: .string(node.keys[index]), value: node.values[index].finalized()))
            }
            return .map(pairs)
        case .deferred(let encoder): return encoder.root?.finalized() ?? .map([])
        }
    }
}

final class ArrayNode {
    var items: [EncodedNode] = []
}

final class MapNode {
    private(set) var keys: [String] = []
    private(set) var values: [EncodedNode] = []
    /// Built only once a map grows past a handful of keys; small structs scan linearly.
    private var index: [String: Int] = [:]

    /// Re-encoding a key replaces its value in place, as `JSONEncoder` does.
    func set(_ key: String, _ node: EncodedNode) {
        if let existing = position(of: key) {
            values[existing] = node
            return
        }
        if !index.isEmpty || keys.count >= 16 {
            if index.isEmpty {
                for (offset, existingKey) in keys.enumerated() { index[existingKey] = offset }
            }
            index[key] = keys.count
        }
        keys.append(key)
        values.append(node)
    }

    private func position(of key: String) -> Int? {
        if !index.isEmpty { return index[key] }
        return keys.firstIndex(of: key)
    }
}

final class _MsgPackEncoder: Encoder {
    let options: EncoderOptions
    let codingPath: [any CodingKey]
    private(set) var root: EncodedNode?

    init(options: EncoderOptions, codingPath: [any CodingKey]) {
        self.options = options
        self.codingPath = codingPath
    }

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func storeRoot(_ node: EncodedNode) { root = node }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let node: MapNode
        if case .map(let existing)? = root {
            node = existing
        } else {
            node = MapNode()
            root = .map(node)
        }
        return KeyedEncodingContainer(MsgPackKeyedEncodingContainer<Key>(encoder: self, node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let node: ArrayNode
        if case .array(let existing)? = root {
            node = existing
        } else {
            node = ArrayNode()
            root = .array(node)
        }
        return MsgPackUnkeyedEncodingContainer(encoder: self, node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        MsgPackSingleValueEncodingContainer(encoder: self)
    }

    /// Encodes a nested value, short-circuiting the types that have a native msgpack form.
    func box<T: Encodable>(_ value: T, at path: [any CodingKey]) throws -> EncodedNode {
        if let raw = value as? MsgPackValue { return .value(raw) }
        if let bytes = value as? [UInt8] { return .value(.binary(bytes)) }
        if let binary = value as? MsgPackBinary { return .value(.binary(binary.bytes)) }
        let nested = _MsgPackEncoder(options: options, codingPath: path)
        try value.encode(to: nested)
        // Like JSONEncoder, a value that encodes nothing becomes an empty map.
        return nested.root ?? .value(.map([]))
    }
}
