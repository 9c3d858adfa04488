struct MsgPackKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: _MsgPackDecoder
    let pairs: [(key: MsgPackValue, value: MsgPackValue)]
    /// Only built for larger maps (decoded dictionaries); structs are scanned linearly.
    private let index: [String: Int]

    init(decoder: _MsgPackDecoder, pairs: [(key: MsgPackValue, value: MsgPackValue)]) {
        self.decoder = decoder
        self.pairs = pairs
        var index: [String: Int] = [:]
        if pairs.count > 16 {
            index.reserveCapacity(pairs.count)
            // Later duplicates overwrite earlier ones: a Python dict keeps the last value.
            for (offset, pair) in pairs.enumerated() {
                if let name = Self.name(of: pair.key) { index[name] = offset }
            }
        }
        self.index = index
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    /// Integer map keys answer to their decimal string, as JSON object keys would.
    private static func name(of key: MsgPackValue) -> String? {
        switch key {
        case .string(let name): return name
        case .int(let number): return String(number)
        case .uint(let number): return String(number)
        default: return nil
        }
    }

    var allKeys: [Key] {
        pairs.compactMap { pair in
            switch pair.key {
            case .string(let name): return Key(stringValue: name)
            case .int(let number): return Int(exactly: number).flatMap { Key(intValue: $0) } ?? Key(stringValue: String(number))
            case .uint(let number): return Key(stringValue: String(number))
            default: return nil
            }
        }
    }

    private func lookup(_ key: Key) -> MsgPackValue? { lookup(name: key.stringValue) }

    private func lookup(name: String) -> MsgPackValue? {
        if !index.isEmpty { return index[name].map { pairs[$0].value } }
        for pair in pairs.reversed() where Self.name(of: pair.key) == name {
            return pair.value
        }
        return nil
    }

    private func require(_ key: Key) throws -> MsgPackValue {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "no value for key \"\(key.stringValue)\""))
        }
        return value
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try require(key).isNil }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try decoder.unboxBool(require(key), at: codingPath + [key])
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try decoder.unboxString(require(key), at: codingPath + [key])
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try decoder.unboxDouble(require(key), at: codingPath + [key])
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try decoder.unboxFloat(require(key), at: codingPath + [key])
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
        try decoder.unboxInteger(type, require(key), at: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(type, from: require(key), at: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.nested(require(key), at: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.nested(require(key), at: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.nested(lookup(name: "super") ?? .nil, at: codingPath + [DynamicKey("super")])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.nested(lookup(key) ?? .nil, at: codingPath + [key])
    }
}

struct MsgPackUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: _MsgPackDecoder
    let elements: [MsgPackValue]
    private(set) var currentIndex = 0

    init(decoder: _MsgPackDecoder, elements: [MsgPackValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var currentPath: [any CodingKey] { codingPath + [DynamicKey.index(currentIndex)] }

    private mutating func next(_ type: Any.Type) throws -> MsgPackValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: currentPath, debugDescription: "unkeyed container is at its end"))
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { _ = try next(Never.self); return false }
        guard elements[currentIndex].isNil else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let path = currentPath
        return try decoder.unboxBool(next(type), at: path)
    }

    mutating func decode(_ type: String.Type) throws -> String {
        let path = currentPath
        return try decoder.unboxString(next(type), at: path)
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        let path = currentPath
        return try decoder.unboxDouble(next(type), at: path)
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        let path = currentPath
        return try decoder.unboxFloat(next(type), at: path)
    }

    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let path = currentPath
        return try decoder.unboxInteger(type, next(type), at: path)
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = currentPath
        return try decoder.unbox(type, from: next(type), at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let path = currentPath
        return try decoder.nested(next([String: MsgPackValue].self), at: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = currentPath
        return try decoder.nested(next([MsgPackValue].self), at: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = currentPath
        return decoder.nested(try next(MsgPackValue.self), at: path)
    }
}

struct MsgPackSingleValueDecodingContainer: SingleValueDecodingContainer {
    let decoder: _MsgPackDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    private var value: MsgPackValue { decoder.value }

    func decodeNil() -> Bool { value.isNil }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.unboxBool(value, at: codingPath) }
    func decode(_ type: String.Type) throws -> String { try decoder.unboxString(value, at: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.unboxDouble(value, at: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.unboxFloat(value, at: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.unboxInteger(type, value, at: codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.unbox(type, from: value, at: codingPath)
    }
}
