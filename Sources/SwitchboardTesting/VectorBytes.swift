public import MsgPack
public import SwitchboardCore

/// Lowercase hex of `bytes`, so expected bytes read like Python's `msgpack.packb(x).hex()`.
public func hex(_ bytes: some Sequence<UInt8>) -> String { GoldenVector.hex(bytes) }

/// The bytes of a hex string written in a test; malformed hex is a bug in the test itself.
public func bytes(_ hexString: String) -> [UInt8] {
    guard let bytes = GoldenVector.bytes(fromHex: hexString) else { fatalError("bad hex in test: \(hexString)") }
    return bytes
}

/// A vector's `decoded` JSON as the msgpack value it describes (`{"$bin": hex}` is binary,
/// per the vector files' conventions).
public func msgPackValue(fromJSON json: JSONValue) -> MsgPackValue {
    switch json {
    case .null: return .nil
    case .bool(let value): return .bool(value)
    case .integer(let value): return .int(value)
    case .double(let value): return .double(value)
    case .string(let value): return .string(value)
    case .array(let values): return .array(values.map(msgPackValue(fromJSON:)))
    case .object(let pairs):
        if pairs.count == 1, pairs[0].key == "$bin", let hexString = pairs[0].value.stringValue {
            return .binary(bytes(hexString))
        }
        return .map(pairs.map { (key: .string($0.key), value: msgPackValue(fromJSON: $0.value)) })
    }
}
