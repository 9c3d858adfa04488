import MsgPack
import SwitchboardCore

/// Converts between the JSON of the command line and wslink's msgpack values.
///
/// msgpack has types JSON lacks; they are written the way the golden vectors write them:
/// `bin` as `{"$bin": "<hex>"}` (and such an object on the command line becomes `bin`), an
/// extension as `{"$ext": <type>, "hex": "<hex>"}`, a timestamp as `{"$timestamp": [s, ns]}`.
/// Map keys that are not strings become their JSON text (`1` → `"1"`); unsigned integers
/// above `Int64.max` become floats.
///
/// ```swift
/// JSONBridge.json(from: ["blob": .binary([1, 2])]).encoded()     // {"blob":{"$bin":"0102"}}
/// JSONBridge.msgpack(from: try JSONValue(parsing: #"{"$bin":"ff"}"#))   // .binary([255])
/// ```
enum JSONBridge {
    /// The JSON rendering of a msgpack value.
    static func json(from value: MsgPackValue) -> JSONValue {
        switch value {
        case .nil: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .integer(value)
        case .uint(let value): return Int64(exactly: value).map(JSONValue.integer) ?? .double(Double(value))
        case .float(let value): return .double(Double(value))
        case .double(let value): return .double(value)
        case .string(let value): return .string(value)
        case .binary(let bytes): return .object([.init(key: "$bin", value: .string(hex(bytes)))])
        case .array(let values): return .array(values.map(json(from:)))
        case .map(let pairs):
            return .object(pairs.map { pair in
                let key = pair.key.stringValue ?? json(from: pair.key).encoded(.compact)
                return JSONValue.Pair(key: key, value: json(from: pair.value))
            })
        case .ext(let type, let data):
            return .object([.init(key: "$ext", value: .integer(Int64(type))), .init(key: "hex", value: .string(hex(data)))])
        case .timestamp(let seconds, let nanoseconds):
            return .object([.init(key: "$timestamp", value: .array([.integer(seconds), .integer(Int64(nanoseconds))]))])
        }
    }

    /// The msgpack value a JSON argument stands for (`{"$bin": "<hex>"}` becomes `bin`).
    static func msgpack(from json: JSONValue) -> MsgPackValue {
        switch json {
        case .null: return .nil
        case .bool(let value): return .bool(value)
        case .integer(let value): return .int(value)
        case .double(let value): return .double(value)
        case .string(let value): return .string(value)
        case .array(let values): return .array(values.map(msgpack(from:)))
        case .object(let pairs):
            if pairs.count == 1, pairs[0].key == "$bin", let text = pairs[0].value.stringValue, let bytes = bytes(fromHex: text) {
                return .binary(bytes)
            }
            return .map(pairs.map { (key: MsgPackValue.string($0.key), value: msgpack(from: $0.value)) })
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    private static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
