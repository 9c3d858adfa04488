extension MsgPackValue: Codable {
    /// Decodes a raw value. ``MsgPackDecoder`` hands the value over untouched; other
    /// decoders (JSON, property lists) are read structurally: nil, bool, integer, double,
    /// string, array, then string-keyed map.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? _MsgPackDecoder {
            self = decoder.value
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [MsgPackValue] = []
            while !array.isAtEnd { elements.append(try array.decode(MsgPackValue.self)) }
            self = .array(elements)
            return
        }
        if let object = try? decoder.container(keyedBy: DynamicKey.self) {
            var pairs: [(key: MsgPackValue, value: MsgPackValue)] = []
            for key in object.allKeys {
                pairs.append((key: .string(key.stringValue), value: try object.decode(MsgPackValue.self, forKey: key)))
            }
            self = .map(pairs)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .nil
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? single.decode(UInt64.self) {
            self = .uint(value)
        } else if let value = try? single.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Encodes the raw value. ``MsgPackEncoder`` writes it untouched; other encoders get the
    /// structural equivalent (binary as an array of bytes; maps need string keys; extensions
    /// and timestamps cannot be expressed and throw).
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? _MsgPackEncoder {
            encoder.storeRoot(.value(self))
            return
        }
        switch self {
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .map(let pairs):
            var container = encoder.container(keyedBy: DynamicKey.self)
            for pair in pairs {
                guard case .string(let key) = pair.key else {
                    throw EncodingError.invalidValue(self, .init(
                        codingPath: encoder.codingPath, debugDescription: "only string map keys map to this encoder"))
                }
                try container.encode(pair.value, forKey: DynamicKey(key))
            }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .nil: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .uint(let value): try container.encode(value)
            case .float(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .binary(let value): try container.encode(value)
            default:
                throw EncodingError.invalidValue(self, .init(
                    codingPath: encoder.codingPath, debugDescription: "\(self) has no equivalent outside msgpack"))
            }
        }
    }
}

/// A coding key for arbitrary map keys.
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init(stringValue: String) { self.init(stringValue) }

    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    static func index(_ index: Int) -> DynamicKey { DynamicKey(intValue: index) }
}
