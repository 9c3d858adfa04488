public import SwitchboardCore

extension CrossCommHub {
    /// How the hub behaves: liveness, message size, offline queueing, table bounds.
    public struct Configuration: Sendable {
        /// Liveness: a connection silent for `interval + timeout` is closed with
        /// `CloseCode.heartbeatTimeout` (4001) and its client marked offline.
        /// Default 30 s + 30 s, pywayne's 60 s `heartbeat_timeout`.
        public var heartbeat: HeartbeatPolicy
        /// Largest message accepted; larger ones close with 1009 like pywayne (1 MiB).
        public var maxMessageBytes: Int
        /// Opt-in store-and-forward for messages to offline or unknown clients; `nil` drops them
        /// (logged and counted), as pywayne does.
        public var offlineQueue: OfflineQueuePolicy?
        /// Offline clients kept in the table for `list_clients`; the longest-offline are
        /// forgotten beyond this (pywayne never prunes).
        public var maxOfflineClients: Int
        /// How long a new connection may take to log in; one that has not (only `list_clients`,
        /// heartbeats or nothing) is then closed with 1008 (`CloseCode.policyViolation`).
        /// `nil` waits forever, as pywayne does. Default 30 s.
        public var loginTimeout: Duration? = .seconds(30)
        /// Opt-in token-bound logins (`Protocols.md` §5.9): when set, a login must carry a
        /// bearer token (the login content's `token`, or the upgrade's `Authorization: Bearer`
        /// / `?token=`) that this verifier accepts and whose subject is the client id; a second
        /// login under an online id with a different token is refused instead of taking it
        /// over. Refusals close with 4502 (`CloseCode.unauthorized`); before a login nothing
        /// but a login is answered. `nil` (default): pywayne's open logins.
        public var tokenVerifier: (any TokenVerifier)?

        /// Creates a configuration.
        public init(
            heartbeat: HeartbeatPolicy = HeartbeatPolicy(interval: .seconds(30), timeout: .seconds(30)),
            maxMessageBytes: Int = CrossCommMessage.maxMessageBytes,
            offlineQueue: OfflineQueuePolicy? = nil,
            maxOfflineClients: Int = 1024
        ) {
            precondition(maxMessageBytes > 0 && maxOfflineClients >= 0, "limits must be positive")
            self.heartbeat = heartbeat
            self.maxMessageBytes = maxMessageBytes
            self.offlineQueue = offlineQueue
            self.maxOfflineClients = maxOfflineClients
        }

        /// pywayne's defaults, without offline queueing.
        public static let `default` = Configuration()
    }

    /// Bounds of the offline queue: messages for a client that is not online wait at most
    /// `maxAge`, at most `maxMessagesPerClient` per client (oldest dropped first), for at most
    /// `maxClients` distinct targets.
    public struct OfflineQueuePolicy: Sendable, Hashable {
        /// Messages kept per target client.
        public var maxMessagesPerClient: Int
        /// How long a message may wait.
        public var maxAge: Duration
        /// Distinct target ids with waiting messages.
        public var maxClients: Int

        /// Creates a policy.
        public init(maxMessagesPerClient: Int = 100, maxAge: Duration = .seconds(300), maxClients: Int = 1024) {
            precondition(maxMessagesPerClient > 0 && maxAge > .zero && maxClients > 0, "offline queue limits must be positive")
            self.maxMessagesPerClient = maxMessagesPerClient
            self.maxAge = maxAge
            self.maxClients = maxClients
        }
    }

    /// Counters since the hub was created.
    public struct Statistics: Sendable, Hashable {
        /// Valid messages received.
        public var received = 0
        /// Frames queued for recipients by forwarding.
        public var forwarded = 0
        /// Messages whose target was offline or unknown.
        public var undeliverable = 0
        /// Messages put in the offline queue.
        public var queuedOffline = 0
        /// Queued messages delivered at a later login.
        public var deliveredFromQueue = 0
        /// Queued messages discarded (too old, or over the per-client or client bounds).
        public var discardedFromQueue = 0
        /// Frames dropped as malformed (not JSON, unknown key or type, wrong field types).
        public var invalid = 0
        /// Messages dropped because the connection had not logged in.
        public var notLoggedIn = 0
        /// Messages dropped because `from_client_id` was not the connection's login id, or
        /// the type is one only the server may send.
        public var spoofed = 0
        /// Connections closed for a newer login with the same id.
        public var replaced = 0
        /// Connections closed for silence.
        public var heartbeatTimeouts = 0
        /// Connections closed for an oversized message.
        public var oversized = 0
    }
}
