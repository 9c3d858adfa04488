import SwitchboardCore

/// The answer to `list_clients`: the hub's client table.
public struct CrossCommClientList: Sendable, Hashable {
    /// One client as the hub reports it.
    public struct Entry: Sendable, Hashable {
        /// The client id.
        public var id: String
        /// `status == "online"`.
        public var isOnline: Bool
        /// Epoch seconds of the client's last heartbeat.
        public var lastHeartbeat: Double?
        /// Epoch seconds of its last login, if known.
        public var loginTime: Double?
    }

    /// Clients in the hub's order (first login first).
    public var clients: [Entry]
    /// Whether the hub filtered to online clients.
    public var onlyOnline: Bool

    /// Ids of the clients listed as online.
    public var onlineIDs: [String] { clients.filter(\.isOnline).map(\.id) }

    /// Decodes a `list_clients_response` (content is a JSON string; an object is accepted too).
    public init(response: CrossCommMessage) throws(CrossCommError) {
        let table: JSONValue?
        switch response.content {
        case .string(let text): table = try? JSONValue(parsing: text)
        case .object: table = response.content
        default: table = nil
        }
        guard let table, let rows = table["clients"]?.arrayValue else {
            throw CrossCommError(code: .invalidContent, message: "list_clients_response content has no client table")
        }
        clients = rows.compactMap { row in
            guard let id = row["client_id"]?.stringValue else { return nil }
            return Entry(
                id: id,
                isOnline: row["status"]?.stringValue == "online",
                lastHeartbeat: row["last_heartbeat"]?.doubleValue,
                loginTime: row["login_time"]?.doubleValue
            )
        }
        onlyOnline = table["only_show_online"]?.boolValue ?? false
    }
}
