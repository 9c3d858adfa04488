public import SwitchboardCore

/// A siyi event: `{"id":…,"type":"event","name":…,"data":{…}|null}`. Never answered.
public struct SiyiEvent: Sendable, Hashable {
    /// The event's id (one id is shared by every recipient of a broadcast).
    public var id: SiyiMessageID
    /// The event name (e.g. `player_update`).
    public var name: String
    /// The payload: an object, or `.null`. Anything else is invalid on the wire.
    public var data: JSONValue

    /// Creates an event; the id defaults to a fresh lowercase uuid4.
    public init(id: SiyiMessageID = .random(), name: String, data: JSONValue = .null) {
        self.id = id
        self.name = name
        self.data = data
    }

    /// The wire object, fields in the original's order with `data` written even when null.
    public var json: JSONValue {
        .object([
            .init(key: "id", value: .string(id.rawValue)),
            .init(key: "type", value: .string("event")),
            .init(key: "name", value: .string(name)),
            .init(key: "data", value: data),
        ])
    }
}
