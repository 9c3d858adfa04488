public import SwitchboardCore

extension SiyiServer {
    /// The server's tunables, with the original's defaults.
    public struct Configuration: Sendable {
        /// When to send `heartbeat` requests and how long to wait for each answer; a peer
        /// that misses one is closed with 4001 (`CloseCode.heartbeatTimeout`). `nil`
        /// disables heartbeats. Default: every 30 s, 30 s to answer (the original's).
        public var heartbeat: HeartbeatPolicy?
        /// The command name of heartbeat requests (`heartbeat`; the client must agree).
        public var heartbeatCommand: String
        /// How long requests to peers wait for a response unless a call says otherwise (30 s).
        public var requestTimeout: Duration
        /// How many requests and events from one peer may be handled at once (1024). Past
        /// it, requests are answered at once with `status:"error"`, `error:"too many requests
        /// in flight (limit N)"` and events are dropped (logged), so memory stays bounded
        /// however fast a peer sends; other peers are unaffected.
        public var maxInFlightPerPeer: Int
        /// How long a new connection may go without sending anything siyi accepts (a request,
        /// an event, or its answer to the server's first heartbeat); it is then closed with
        /// 1008 (`CloseCode.policyViolation`). siyi has no hello, so the default (90 s) leaves
        /// a listening client time to answer the first heartbeat (sent after 30 s). `nil`
        /// waits forever.
        public var handshakeTimeout: Duration? = .seconds(90)
        /// Opt-in authentication (`Protocols.md` §9): when set, a connection must present a
        /// bearer token on its upgrade (`Authorization: Bearer …` or `?token=…`) that this
        /// verifier accepts; otherwise it is closed at once with 4502 (`CloseCode.unauthorized`)
        /// and never becomes a peer. `nil` (default): anyone may connect, as with the original.
        public var tokenVerifier: (any TokenVerifier)?

        /// Creates a configuration.
        public init(
            heartbeat: HeartbeatPolicy? = .default,
            heartbeatCommand: String = "heartbeat",
            requestTimeout: Duration = .seconds(30),
            maxInFlightPerPeer: Int = 1024
        ) {
            precondition(requestTimeout > .zero, "requestTimeout must be positive")
            precondition(maxInFlightPerPeer > 0, "maxInFlightPerPeer must be positive")
            self.heartbeat = heartbeat
            self.heartbeatCommand = heartbeatCommand
            self.requestTimeout = requestTimeout
            self.maxInFlightPerPeer = maxInFlightPerPeer
        }

        /// The original's defaults.
        public static let `default` = Configuration()
    }

    /// The siyi port of `switchboard serve` and of the original's README (any path).
    public static let defaultPort = 8765
}
