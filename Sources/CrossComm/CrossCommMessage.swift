public import SwitchboardCore
import Foundation

/// One CrossComm message: the seven-key JSON object pywayne's `Message` dataclass serializes.
///
/// Encoding reproduces Python's `json.dumps` byte for byte (key order, `", "`/`": "`
/// separators, `\uXXXX` escapes, `repr` floats, `oss_key: null`), so a frame the server
/// forwards is identical to what the pywayne sender wrote.
///
/// ```swift
/// let hello = CrossCommMessage(type: .text, content: .string("hi"), from: "alice", to: "all")
/// let frame = hello.frame                      // .text(#"{"msg_id": "alice_…", …, "oss_key": null}"#)
/// let back = try CrossCommMessage(decoding: frame)
/// ```
public struct CrossCommMessage: Sendable, Hashable {
    /// The 1 MiB pywayne (websockets' default `max_size`) accepts per message.
    public static let maxMessageBytes = 1 << 20
    /// `to_client_id` that addresses every other online client.
    public static let everyone = "all"
    /// `to_client_id` (and `from_client_id`) of the hub itself.
    public static let server = "server"

    /// `msg_id`: opaque; never used for acks or correlation.
    public var id: String
    /// `from_client_id`: the sender.
    public var from: String
    /// `to_client_id`: a client id, ``everyone`` or ``server``.
    public var to: String
    /// `msg_type`.
    public var type: CrossCommMessageType
    /// `content`: its shape depends on ``type`` (see `Protocols.md` §5).
    public var content: JSONValue
    /// `timestamp`: epoch seconds, fractional.
    public var timestamp: Double
    /// `oss_key`: the file-store key or folder prefix of a file/image/folder message.
    public var ossKey: String?

    /// Creates a message; `id` defaults to pywayne's `{from}_{ms}_{hex8}` and `timestamp` to now.
    public init(
        type: CrossCommMessageType,
        content: JSONValue,
        from: String,
        to: String,
        id: String? = nil,
        timestamp: Double? = nil,
        ossKey: String? = nil
    ) {
        let now = timestamp ?? Date().timeIntervalSince1970
        self.id = id ?? CrossCommIDs.messageID(sender: from, at: now)
        self.from = from
        self.to = to
        self.type = type
        self.content = content
        self.timestamp = now
        self.ossKey = ossKey
    }

    /// The message as a JSON object with the seven keys in pywayne's order.
    public var json: JSONValue {
        .object([
            .init(key: "msg_id", value: .string(id)),
            .init(key: "from_client_id", value: .string(from)),
            .init(key: "to_client_id", value: .string(to)),
            .init(key: "msg_type", value: .string(type.rawValue)),
            .init(key: "content", value: content),
            .init(key: "timestamp", value: .double(timestamp)),
            .init(key: "oss_key", value: ossKey.map(JSONValue.string) ?? .null),
        ])
    }

    /// The JSON text exactly as Python's `json.dumps(asdict(message))` writes it.
    public var encoded: String { json.encoded(.python) }

    /// The message as a text frame.
    public var frame: Frame { .text(encoded) }
}

extension CrossCommMessage {
    /// `content` as text, when it is a string (text, json, bytes, file paths).
    public var text: String? { content.stringValue }

    /// `bytes` content decoded from base64 (leniently, like Python's `b64decode`), if it is one.
    public var bytes: [UInt8]? {
        guard let string = content.stringValue else { return nil }
        return Data(base64Encoded: string, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
    }

    /// `json` content parsed: the JSON text it carries (or the raw value, when a peer sent an
    /// object instead of a string).
    public var jsonValue: JSONValue? {
        guard let string = content.stringValue else { return content }
        return try? JSONValue(parsing: string)
    }
}
