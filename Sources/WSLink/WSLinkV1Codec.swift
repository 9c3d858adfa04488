public import MsgPack
public import SwitchboardCore

/// The wslink 1.x wire (spec §8): JSON text envelopes, with binary values sent as separate
/// attachment messages that the envelope references by a `wslink_binN` key.
///
/// Values inside Switchboard are always `MsgPackValue`s; this codec maps them to and
/// from 1.x frames. On the way out each `.binary` becomes an attachment (header text, then the
/// bytes) before the envelope; on the way in, a string that is **exactly** a received key
/// becomes the bytes again (the originals match substrings, so `wslink_bin1` also fires
/// inside `wslink_bin12`).
///
/// ```swift
/// var key = 0
/// let frames = try WSLinkV1Codec.frames(for: .result(id: "rpc:c1:1", result: ["blob": .binary([0, 1])]), style: WSLinkV1Codec.serverStyle) {
///     defer { key += 1 }; return key
/// }
/// // text {"wslink": "1.0", "method": "wslink.binary.attachment", "args": ["wslink_bin0"]}, binary 0001,
/// // text {"wslink": "1.0", "id": "rpc:c1:1", "result": {"blob": "wslink_bin0"}}
/// ```
public enum WSLinkV1Codec {
    /// The method of an attachment header.
    public static let attachmentMethod = "wslink.binary.attachment"
    /// The Python server's `json.dumps(..., ensure_ascii=False)`: `", "` and `": "`, UTF-8 kept.
    public static let serverStyle = JSONWritingStyle(itemSeparator: ", ", keySeparator: ": ", asciiOnly: false)
    /// The JavaScript client's `JSON.stringify`: compact, UTF-8 kept.
    public static let clientStyle = JSONWritingStyle.compact

    /// Whether `string` is an attachment key: `^wslink_bin\d+$`.
    public static func isAttachmentKey(_ string: String) -> Bool {
        guard string.hasPrefix("wslink_bin") else { return false }
        let digits = string.utf8.dropFirst(10)
        return !digits.isEmpty && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// The frames that carry `envelope`: one header and one binary message per binary value
    /// (in document order, keys from `nextKey`), then the envelope as text.
    /// Throws ``WSLinkError/Code/unencodableValue`` for values JSON cannot carry (ext,
    /// timestamps, integers above `Int64.max`, non-string map keys other than integers).
    public static func frames(
        for envelope: WSLinkEnvelope,
        style: JSONWritingStyle,
        nextKey: () -> Int
    ) throws(WSLinkError) -> [Frame] {
        var attachments: [(key: String, bytes: [UInt8])] = []
        let json = try json(from: envelope.value, attachments: &attachments, nextKey: nextKey)
        var frames: [Frame] = []
        frames.reserveCapacity(attachments.count * 2 + 1)
        for attachment in attachments {
            frames.append(.text(attachmentHeader(attachment.key).encoded(style)))
            frames.append(.binary(attachment.bytes))
        }
        frames.append(.text(json.encoded(style)))
        return frames
    }

    /// The header announcing the attachment `key`.
    public static func attachmentHeader(_ key: String) -> JSONValue {
        .object([
            .init(key: "wslink", value: .string(WSLinkEnvelope.version)),
            .init(key: "method", value: .string(attachmentMethod)),
            .init(key: "args", value: .array([.string(key)])),
        ])
    }

    /// `value` as JSON, with each binary value replaced by a new attachment key.
    public static func json(
        from value: MsgPackValue,
        attachments: inout [(key: String, bytes: [UInt8])],
        nextKey: () -> Int
    ) throws(WSLinkError) -> JSONValue {
        switch value {
        case .nil: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let integer): return .integer(integer)
        case .uint(let integer):
            guard let signed = Int64(exactly: integer) else { throw unencodable("integer \(integer) does not fit JSON's Int64 range") }
            return .integer(signed)
        case .float(let number): return .double(Double(number))
        case .double(let number): return .double(number)
        case .string(let string): return .string(string)
        case .binary(let bytes):
            let key = "wslink_bin\(nextKey())"
            attachments.append((key, bytes))
            return .string(key)
        case .array(let elements):
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for element in elements { result.append(try json(from: element, attachments: &attachments, nextKey: nextKey)) }
            return .array(result)
        case .map(let pairs):
            var members: [JSONValue.Pair] = []
            members.reserveCapacity(pairs.count)
            for pair in pairs {
                let name: String
                switch pair.key {
                case .string(let string): name = string
                case .int(let integer): name = String(integer)  // Python's json turns int keys into strings too.
                default: throw unencodable("map key \(pair.key) is not a string")
                }
                members.append(.init(key: name, value: try json(from: pair.value, attachments: &attachments, nextKey: nextKey)))
            }
            return .object(members)
        case .ext, .timestamp:
            throw unencodable("\(value) has no JSON form")
        }
    }

    /// `json` as a msgpack value, with every string that is exactly a key of `attachments`
    /// replaced by those bytes.
    public static func value(from json: JSONValue, attachments: [String: [UInt8]] = [:]) -> MsgPackValue {
        switch json {
        case .null: return .nil
        case .bool(let flag): return .bool(flag)
        case .integer(let integer): return .int(integer)
        case .double(let number): return .double(number)
        case .string(let string):
            if !attachments.isEmpty, let bytes = attachments[string] { return .binary(bytes) }
            return .string(string)
        case .array(let elements): return .array(elements.map { value(from: $0, attachments: attachments) })
        case .object(let members):
            return .map(members.map { (key: .string($0.key), value: value(from: $0.value, attachments: attachments)) })
        }
    }

    /// Parses a 1.x text message (bare `NaN` / `Infinity` accepted, as the JSON5 reader does).
    public static func parse(_ text: String) throws(WSLinkError) -> JSONValue {
        do {
            return try JSONValue(parsing: text, options: JSONParseOptions(maxDepth: 256, allowNonFiniteNumbers: true))
        } catch {
            throw WSLinkError(code: .malformedPayload, message: "message is not valid JSON: \(error)", cause: error)
        }
    }

    private static func unencodable(_ message: String) -> WSLinkError {
        WSLinkError(code: .unencodableValue, message: message)
    }
}
