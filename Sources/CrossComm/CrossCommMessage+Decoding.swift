public import SwitchboardCore
import Foundation
import NIOCore

extension CrossCommMessage {
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
            case .binary(let buffer): parsed = try JSONValue(parsing: buffer)
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
        // One slot per known key instead of a dictionary: no hashing per message. A repeated
        // key keeps its last value, as Python's dict does.
        var msgID, fromID, toID, msgType, content, timestamp, ossKey: JSONValue?
        for pair in pairs {
            switch pair.key {
            case "msg_id": msgID = pair.value
            case "from_client_id": fromID = pair.value
            case "to_client_id": toID = pair.value
            case "msg_type": msgType = pair.value
            case "content": content = pair.value
            case "timestamp": timestamp = pair.value
            case "oss_key": ossKey = pair.value
            default: throw CrossCommError(code: .unknownField, message: "unknown key \(Self.quoted(pair.key))")
            }
        }
        func string(_ value: JSONValue?, _ key: String) throws(CrossCommError) -> String {
            guard let value else {
                throw CrossCommError(code: .missingField, message: "missing required key \(Self.quoted(key))")
            }
            guard let string = value.stringValue else {
                throw CrossCommError(code: .invalidFieldType, message: "\(Self.quoted(key)) must be a string")
            }
            return string
        }
        let id = try string(msgID, "msg_id")
        let from = try string(fromID, "from_client_id")
        let to = try string(toID, "to_client_id")
        let typeName = try string(msgType, "msg_type")
        guard let content else {
            throw CrossCommError(code: .missingField, message: "missing required key \"content\"")
        }
        guard let timestampValue = timestamp else {
            throw CrossCommError(code: .missingField, message: "missing required key \"timestamp\"")
        }
        guard let time = timestampValue.doubleValue, time.isFinite else {
            throw CrossCommError(code: .invalidFieldType, message: "\"timestamp\" must be a finite number")
        }
        let key: String?
        switch ossKey {
        case nil, .null?: key = nil
        case .string(let text)?: key = text
        default: throw CrossCommError(code: .invalidFieldType, message: "\"oss_key\" must be a string or null")
        }
        guard let type = CrossCommMessageType(rawValue: typeName) else {
            throw CrossCommError(code: .unknownMessageType, message: "\(Self.quoted(typeName)) is not a valid msg_type")
        }
        self.init(type: type, content: content, from: from, to: to, id: id, timestamp: time, ossKey: key)
    }

    /// A bounded, escaped rendering of a peer-supplied string for error messages and logs.
    static func quoted(_ text: String) -> String {
        let clipped = text.count > 64 ? String(text.prefix(64)) + "…" : text
        var output = ""
        JSONValue.writeString(clipped, to: &output, asciiOnly: true)
        return output
    }
}
