public import SwitchboardCore
import Foundation
import NIOCore

extension CrossCommMessage {
    /// The seven keys pywayne's `Message` accepts; any other key makes it drop the message.
    static let knownKeys: Set<String> = ["msg_id", "from_client_id", "to_client_id", "msg_type", "content", "timestamp", "oss_key"]

    /// Decodes a frame the way pywayne's `Message(**json.loads(text))` does, but with types
    /// checked: a text frame, or a binary frame holding UTF-8 JSON.
    ///
    /// Rules (each a ``CrossCommError/Code``): larger than `maxBytes` → `messageTooLarge`; not
    /// JSON → `invalidJSON`; not an object → `notAnObject`; a key outside the seven →
    /// `unknownField`; one of the six required keys missing → `missingField`; `msg_id`,
    /// `from_client_id`, `to_client_id`, `msg_type` not strings, `timestamp` not a finite
    /// number, `oss_key` neither string nor null → `invalidFieldType`; `msg_type` outside the
    /// 13 → `unknownMessageType`. Python's spacing, `\uXXXX` escapes and bare `NaN` inside
    /// `content` are accepted; a repeated key keeps its last value, as in Python.
    public init(decoding frame: Frame, maxBytes: Int = CrossCommMessage.maxMessageBytes) throws(CrossCommError) {
        guard frame.byteCount <= maxBytes else {
            throw CrossCommError(code: .messageTooLarge, message: "message of \(frame.byteCount) bytes exceeds the limit of \(maxBytes) bytes")
        }
        let parsed: JSONValue
        do {
            switch frame {
            case .text(let text): parsed = try JSONValue(parsing: text)
            case .binary(let buffer): parsed = try JSONValue(parsing: Array(buffer.readableBytesView))
            }
        } catch {
            throw CrossCommError(code: .invalidJSON, message: "not JSON", cause: error)
        }
        try self.init(json: parsed)
    }

    /// Decodes an already parsed JSON value; see ``init(decoding:maxBytes:)`` for the rules.
    public init(json: JSONValue) throws(CrossCommError) {
        guard let pairs = json.objectValue else {
            throw CrossCommError(code: .notAnObject, message: "a message must be a JSON object")
        }
        var fields: [String: JSONValue] = [:]
        for pair in pairs {
            guard Self.knownKeys.contains(pair.key) else {
                throw CrossCommError(code: .unknownField, message: "unknown key \(Self.quoted(pair.key))")
            }
            fields[pair.key] = pair.value
        }
        func string(_ key: String) throws(CrossCommError) -> String {
            guard let value = fields[key] else {
                throw CrossCommError(code: .missingField, message: "missing required key \(Self.quoted(key))")
            }
            guard let string = value.stringValue else {
                throw CrossCommError(code: .invalidFieldType, message: "\(Self.quoted(key)) must be a string")
            }
            return string
        }
        let id = try string("msg_id")
        let from = try string("from_client_id")
        let to = try string("to_client_id")
        let typeName = try string("msg_type")
        guard let content = fields["content"] else {
            throw CrossCommError(code: .missingField, message: "missing required key \"content\"")
        }
        guard let timestampValue = fields["timestamp"] else {
            throw CrossCommError(code: .missingField, message: "missing required key \"timestamp\"")
        }
        guard let timestamp = timestampValue.doubleValue, timestamp.isFinite else {
            throw CrossCommError(code: .invalidFieldType, message: "\"timestamp\" must be a finite number")
        }
        var ossKey: String?
        switch fields["oss_key"] {
        case nil, .null?: ossKey = nil
        case .string(let key)?: ossKey = key
        default: throw CrossCommError(code: .invalidFieldType, message: "\"oss_key\" must be a string or null")
        }
        guard let type = CrossCommMessageType(rawValue: typeName) else {
            throw CrossCommError(code: .unknownMessageType, message: "\(Self.quoted(typeName)) is not a valid msg_type")
        }
        self.init(type: type, content: content, from: from, to: to, id: id, timestamp: timestamp, ossKey: ossKey)
    }

    /// A bounded, escaped rendering of a peer-supplied string for error messages and logs.
    static func quoted(_ text: String) -> String {
        let clipped = text.count > 64 ? String(text.prefix(64)) + "…" : text
        var output = ""
        JSONValue.writeString(clipped, to: &output, asciiOnly: true)
        return output
    }
}
