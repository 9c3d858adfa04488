public import SwitchboardCore

extension CrossCommClient {
    /// How a client identifies itself, keeps alive, reconnects and moves files.
    public struct Configuration: Sendable {
        /// The id to log in with (pywayne's `client_id`); default: a random id in pywayne's shape.
        public var clientID: String
        /// Time between JSON heartbeats (pywayne: 30 s; the hub closes after 60 s of silence).
        public var heartbeatInterval: Duration
        /// Reconnect after a lost connection, logging in again each time.
        public var reconnect: ReconnectPolicy
        /// Largest message the client sends (pywayne peers refuse more than 1 MiB).
        public var maxMessageBytes: Int
        /// Base URL of the hub's file store (`http://host:port`), for file/image/folder
        /// messages; `nil` sends them without `oss_key`, as pywayne does without credentials.
        public var fileStoreURL: String?
        /// The key pair the store was given (`serve --files-access-key-id/--files-access-key-secret`):
        /// file requests are then signed like oss2 signs them; `nil` sends them unsigned.
        public var fileStoreCredentials: CrossCommOSSCredentials?
        /// The store's bucket (`serve --files-bucket`), part of what is signed.
        public var fileStoreBucket: String = "switchboard"
        /// Messages waiting for handlers; beyond this the oldest waiting are dropped (logged).
        public var handlerBufferSize: Int
        /// A bearer token (a JWT whose subject is ``clientID``) sent as the login content's
        /// `token`, for hubs with token-bound logins (`Protocols.md` §5.9). `nil`: the login
        /// carries no token, as pywayne's.
        public var token: String?

        /// Creates a configuration.
        public init(
            clientID: String = CrossCommIDs.defaultClientID(),
            heartbeatInterval: Duration = .seconds(30),
            reconnect: ReconnectPolicy = .default,
            maxMessageBytes: Int = CrossCommMessage.maxMessageBytes,
            fileStoreURL: String? = nil,
            handlerBufferSize: Int = 4096
        ) {
            precondition(heartbeatInterval > .zero && maxMessageBytes > 0 && handlerBufferSize > 0, "limits must be positive")
            self.clientID = clientID
            self.heartbeatInterval = heartbeatInterval
            self.reconnect = reconnect
            self.maxMessageBytes = maxMessageBytes
            self.fileStoreURL = fileStoreURL
            self.handlerBufferSize = handlerBufferSize
        }
    }

    /// Where the client stands.
    public enum Status: Sendable, Hashable {
        /// Not started, or stopped by ``CrossCommClient/logout()``.
        case idle
        /// Connecting or waiting for `login_response`.
        case connecting
        /// Logged in.
        case loggedIn
        /// Stopped for good: the hub closed with a code that forbids reconnecting (such as
        /// 4501 `replaced`), or reconnect attempts ran out.
        case stopped(CloseCode?)
    }
}
