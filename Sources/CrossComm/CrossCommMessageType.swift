/// The 13 `msg_type` values pywayne's `CommMsgType` defines. pywayne drops a message with any
/// other value, so the set is closed: Switchboard never invents a new one.
public enum CrossCommMessageType: String, Sendable, Hashable, CaseIterable {
    /// Plain text; `content` is a string.
    case text
    /// JSON text carried as a string (`content` is a *string* holding JSON).
    case json
    /// A raw JSON value (meant to be an object).
    case dict
    /// Binary data as padded standard base64.
    case bytes
    /// An image: `content` is the sender's path, `oss_key` the store key.
    case image
    /// A file: `content` is the sender's path, `oss_key` the store key.
    case file
    /// A folder: `content` is the sender's path, `oss_key` the store prefix (ends with `/`).
    case folder
    /// Client → server liveness signal, content `{}`.
    case heartbeat
    /// Client → server: bind this connection to `from_client_id`.
    case login
    /// Client → server: mark the client offline.
    case logout
    /// Client → server: ask for the client table.
    case listClients = "list_clients"
    /// Server → client: the client table, as a JSON string.
    case listClientsResponse = "list_clients_response"
    /// Server → client: `{"status": "success"}` after `login`.
    case loginResponse = "login_response"

    /// Types a client sends to the server for the server itself; never forwarded.
    public var isControl: Bool {
        switch self {
        case .heartbeat, .login, .logout, .listClients: true
        default: false
        }
    }

    /// Types only a server may originate; a Switchboard server refuses them from clients.
    public var isServerOriginated: Bool {
        self == .loginResponse || self == .listClientsResponse
    }

    /// Types that carry data between clients and are forwarded by the server.
    public var isData: Bool { !isControl && !isServerOriginated }

    /// Types whose `oss_key` names an object in a file store.
    public var isFileLike: Bool { self == .file || self == .image || self == .folder }
}
