public import SwitchboardCore

/// A siyi request: `{"id":…,"type":"request","command":…,"params":{…}|null}`.
///
/// Either side may send requests; every request is answered by one ``SiyiResponse`` with the
/// same id.
public struct SiyiRequest: Sendable, Hashable {
    /// The id the response will carry.
    public var id: SiyiMessageID
    /// What to do (e.g. `echo`, `get_status`, `heartbeat`).
    public var command: String
    /// The arguments: an object, or `.null` for none. Anything else is invalid on the wire.
    public var params: JSONValue

    /// Creates a request; the id defaults to a fresh lowercase uuid4.
    public init(id: SiyiMessageID = .random(), command: String, params: JSONValue = .null) {
        self.id = id
        self.command = command
        self.params = params
    }

    /// The wire object, fields in the original's order with `params` written even when null.
    public var json: JSONValue {
        .object([
            .init(key: "id", value: .string(id.rawValue)),
            .init(key: "type", value: .string("request")),
            .init(key: "command", value: .string(command)),
            .init(key: "params", value: params),
        ])
    }
}
