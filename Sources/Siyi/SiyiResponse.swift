public import SwitchboardCore

/// A siyi response: `{"id":…,"type":"response","status":"ok"|"error","data":…,"error":…}`.
///
/// A response is either a success carrying any JSON `data` (with `error` null) or a failure
/// carrying an error message (with `data` null); the type makes the inconsistent mixes the
/// original rejects impossible to build.
///
/// ```swift
/// let ok = SiyiResponse.success(id: request.id, data: .object([.init(key: "status", value: .string("running"))]))
/// let no = SiyiResponse.failure(id: request.id, message: "unknown command nope")
/// ```
public struct SiyiResponse: Sendable, Hashable {
    /// How the request went.
    public enum Outcome: Sendable, Hashable {
        /// `status:"ok"` with this `data` (`.null` for none).
        case success(JSONValue)
        /// `status:"error"` with this `error` text (`nil` writes `"error":null`, which the
        /// original accepts but which tells the requester nothing).
        case failure(String?)
    }

    /// The id of the request this answers.
    public var id: SiyiMessageID
    /// Success with data, or failure with a message.
    public var outcome: Outcome

    /// Creates a response.
    public init(id: SiyiMessageID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    /// A success response (`status:"ok"`, `error:null`).
    public static func success(id: SiyiMessageID, data: JSONValue = .null) -> SiyiResponse {
        SiyiResponse(id: id, outcome: .success(data))
    }

    /// A failure response (`status:"error"`, `data:null`).
    public static func failure(id: SiyiMessageID, message: String) -> SiyiResponse {
        SiyiResponse(id: id, outcome: .failure(message))
    }

    /// Whether `status` is `"ok"`.
    public var isSuccess: Bool {
        if case .success = outcome { return true }
        return false
    }

    /// `"ok"` or `"error"`.
    public var status: String { isSuccess ? "ok" : "error" }

    /// The `data` field: the success payload, `.null` on failure.
    public var data: JSONValue {
        if case .success(let data) = outcome { return data }
        return .null
    }

    /// The `error` field: the failure message, `nil` on success.
    public var error: String? {
        if case .failure(let message) = outcome { return message }
        return nil
    }

    /// The wire object, fields in the original's order with nulls written.
    public var json: JSONValue {
        Self.json(id: .string(id.rawValue), status: status, data: data, error: error)
    }

    /// A response object with an arbitrary JSON id: error replies to malformed requests echo
    /// the id exactly as received, even when it is a number (decision S2).
    static func json(id: JSONValue, status: String, data: JSONValue, error: String?) -> JSONValue {
        .object([
            .init(key: "id", value: id),
            .init(key: "type", value: .string("response")),
            .init(key: "status", value: .string(status)),
            .init(key: "data", value: data),
            .init(key: "error", value: error.map(JSONValue.string) ?? .null),
        ])
    }
}
