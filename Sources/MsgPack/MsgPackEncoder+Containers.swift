struct MsgPackKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: _MsgPackEncoder
    let node: MapNode

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: MsgPackValue, _ key: Key) { node.set(key.stringValue, .value(value)) }

    mutating func encodeNil(forKey key: Key) throws { set(.nil, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.float(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.integer(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(key.stringValue, try encoder.box(value, at: codingPath + [key]))
    }

    // The encodeIfPresent overloads exist only to honour `encodesNilOptionals`; the
    // protocol's defaults would silently drop the key.
    private mutating func encodePresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else if encoder.options.encodesNilOptionals {
            set(.nil, key)
        }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodePresent(value, forKey: key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        try encodePresent(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = MapNode()
        node.set(key.stringValue, .map(nested))
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [key])
        return KeyedEncodingContainer(MsgPackKeyedEncodingContainer<NestedKey>(encoder: child, node: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        node.set(key.stringValue, .array(nested))
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [key])
        return MsgPackUnkeyedEncodingContainer(encoder: child, node: nested)
    }

    // `Key` may have no "super" case, so the default super key is a free-standing one.
    mutating func superEncoder() -> any Encoder { deferredEncoder(for: DynamicKey("super")) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { deferredEncoder(for: key) }

    private func deferredEncoder(for key: any CodingKey) -> any Encoder {
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [key])
        node.set(key.stringValue, .deferred(child))
        return child
    }
}

struct MsgPackUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: _MsgPackEncoder
    let node: ArrayNode

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { node.items.count }

    private func append(_ value: MsgPackValue) { node.items.append(.value(value)) }

    mutating func encodeNil() throws { append(.nil) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.float(value)) }
    mutating func encode(_ value: Int) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { append(.int(value)) }
    mutating func encode(_ value: UInt) throws { append(.integer(value)) }
    mutating func encode(_ value: UInt8) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { append(.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [DynamicKey.index(count)]
        node.items.append(try encoder.box(value, at: path))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = MapNode()
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [DynamicKey.index(count)])
        node.items.append(.map(nested))
        return KeyedEncodingContainer(MsgPackKeyedEncodingContainer<NestedKey>(encoder: child, node: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [DynamicKey.index(count)])
        node.items.append(.array(nested))
        return MsgPackUnkeyedEncodingContainer(encoder: child, node: nested)
    }

    mutating func superEncoder() -> any Encoder {
        let child = _MsgPackEncoder(options: encoder.options, codingPath: codingPath + [DynamicKey.index(count)])
        node.items.append(.deferred(child))
        return child
    }
}

struct MsgPackSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: _MsgPackEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func store(_ value: MsgPackValue) { encoder.storeRoot(.value(value)) }

    mutating func encodeNil() throws { store(.nil) }
    mutating func encode(_ value: Bool) throws { store(.bool(value)) }
    mutating func encode(_ value: String) throws { store(.string(value)) }
    mutating func encode(_ value: Double) throws { store(.double(value)) }
    mutating func encode(_ value: Float) throws { store(.float(value)) }
    mutating func encode(_ value: Int) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { store(.int(value)) }
    mutating func encode(_ value: UInt) throws { store(.integer(value)) }
    mutating func encode(_ value: UInt8) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { store(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { store(.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.storeRoot(try encoder.box(value, at: codingPath))
    }
}
