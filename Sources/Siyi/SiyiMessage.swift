public import NIOCore
public import SwitchboardCore

/// One siyi message, as carried by one WebSocket text frame.
///
/// Decoding applies the original's validation (§3 of the spec) with Switchboard's
/// decisions S2–S5; encoding is byte-identical to the original's pydantic
/// `model_dump_json()`: compact, fields in declaration order, nulls written, UTF-8 unescaped.
///
/// ```swift
/// let message = try SiyiMessage(decoding: #"{"id":"r1","type":"request","command":"echo","params":{"a":1}}"#)
/// if case .request(let request) = message { print(request.command) }   // echo
/// SiyiMessage.event(SiyiEvent(name: "news")).encoded()
/// ```
public enum SiyiMessage: Sendable, Hashable {
    /// `type:"request"`.
    case request(SiyiRequest)
    /// `type:"response"`.
    case response(SiyiResponse)
    /// `type:"event"`.
    case event(SiyiEvent)

    /// JSON limits applied to every inbound message.
    public static let parseOptions = JSONParseOptions(maxDepth: 128)

    /// Decodes a text frame's payload.
    public init(decoding text: String) throws(SiyiDecodingError) {
        try self.init(json: Self.parsed { () throws(JSONParseError) in try JSONValue(parsing: text, options: Self.parseOptions) })
    }

    /// Decodes UTF-8 bytes (a binary frame is handled like text, as the original does).
    public init(decoding bytes: [UInt8]) throws(SiyiDecodingError) {
        try self.init(json: Self.parsed { () throws(JSONParseError) in try JSONValue(parsing: bytes, options: Self.parseOptions) })
    }

    /// Decodes a binary frame's readable bytes in place (no copy into an array first).
    public init(decoding buffer: ByteBuffer) throws(SiyiDecodingError) {
        try self.init(json: Self.parsed { () throws(JSONParseError) in try JSONValue(parsing: buffer, options: Self.parseOptions) })
    }

    /// Runs `parse`, turning a syntax error into an `invalidJSON` decoding error.
    private static func parsed(_ parse: () throws(JSONParseError) -> JSONValue) throws(SiyiDecodingError) -> JSONValue {
        do {
            return try parse()
        } catch {
            throw SiyiDecodingError(.invalidJSON, "invalid JSON: \(error)")
        }
    }

    /// Validates a parsed JSON value into a message.
    public init(json: JSONValue) throws(SiyiDecodingError) {
        guard case .object = json else {
            throw SiyiDecodingError(.notAnObject, "a message must be a JSON object")
        }
        let kind = json["type"]
        let rawID = json["id"]
        let id: SiyiMessageID
        switch rawID {
        case .string(let string)?: id = SiyiMessageID(string)
        case nil: id = .random()  // The original fills in a fresh uuid4 (decision S2).
        case let other?:
            let recoverable: JSONValue? = (other.doubleValue != nil) ? other : nil
            throw SiyiDecodingError(.invalidID, "invalid \(kind?.stringValue ?? "message"): id must be a string", type: kind?.stringValue, id: recoverable)
        }
        switch kind?.stringValue {
        case "request"?:
            self = .request(try Self.request(json, id: id))
        case "response"?:
            self = .response(try Self.response(json, id: id))
        case "event"?:
            self = .event(try Self.event(json, id: id))
        default:
            throw SiyiDecodingError(.unknownType, "type must be request, response or event", id: rawID)
        }
    }

    /// The wire JSON object.
    public var json: JSONValue {
        switch self {
        case .request(let request): request.json
        case .response(let response): response.json
        case .event(let event): event.json
        }
    }

    /// The wire text: compact, nulls written, UTF-8 unescaped (pydantic's `model_dump_json()`).
    public func encoded() -> String {
        json.encoded(.compact)
    }

    /// The message's id.
    public var id: SiyiMessageID {
        switch self {
        case .request(let request): request.id
        case .response(let response): response.id
        case .event(let event): event.id
        }
    }

    /// The id an error reply may carry: the (normalized) id when the sender gave one; a
    /// generated id would mean nothing to the sender.
    private static func replyID(_ json: JSONValue, _ id: SiyiMessageID) -> JSONValue? {
        json["id"] == nil ? nil : .string(id.rawValue)
    }

    private static func request(_ json: JSONValue, id: SiyiMessageID) throws(SiyiDecodingError) -> SiyiRequest {
        guard let command = json["command"]?.stringValue else {
            throw SiyiDecodingError(.invalidField, "invalid request: command must be a string", type: "request", id: Self.replyID(json, id))
        }
        let params = json["params"] ?? .null
        guard params.isNull || params.objectValue != nil else {
            throw SiyiDecodingError(.invalidField, "invalid request: params must be an object or null", type: "request", id: Self.replyID(json, id))
        }
        return SiyiRequest(id: id, command: command, params: params)
    }

    private static func event(_ json: JSONValue, id: SiyiMessageID) throws(SiyiDecodingError) -> SiyiEvent {
        guard let name = json["name"]?.stringValue else {
            throw SiyiDecodingError(.invalidField, "invalid event: name must be a string", type: "event", id: Self.replyID(json, id))
        }
        let data = json["data"] ?? .null
        guard data.isNull || data.objectValue != nil else {
            throw SiyiDecodingError(.invalidField, "invalid event: data must be an object or null", type: "event", id: Self.replyID(json, id))
        }
        return SiyiEvent(id: id, name: name, data: data)
    }

    private static func response(_ json: JSONValue, id: SiyiMessageID) throws(SiyiDecodingError) -> SiyiResponse {
        let data = json["data"] ?? .null
        let errorField = json["error"] ?? .null
        guard errorField.isNull || errorField.stringValue != nil else {
            throw SiyiDecodingError(.invalidField, "invalid response: error must be a string or null", type: "response", id: Self.replyID(json, id))
        }
        switch json["status"]?.stringValue {
        case "ok"?:
            // Decision S5: ok with an error is answered as the failure it reports, not dropped.
            if let message = errorField.stringValue { return .failure(id: id, message: message) }
            return .success(id: id, data: data)
        case "error"?:
            // Decision S5: error with data keeps the error; the data is ignored.
            return SiyiResponse(id: id, outcome: .failure(errorField.stringValue))
        default:
            throw SiyiDecodingError(.invalidField, "invalid response: status must be \"ok\" or \"error\"", type: "response", id: Self.replyID(json, id))
        }
    }
}
