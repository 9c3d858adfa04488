public import SwitchboardCore

/// Settings of a ``WSLinkServerAdapter``. Every default matches the Python server except
/// where the Python default is a known problem (the 512-byte pre-auth limit, upstream #157).
///
/// ```swift
/// var configuration = WSLinkServerConfiguration(secret: authKey)
/// configuration.validateToken = { token, clientID in await tokens.isValid(token) }
/// ```
public struct WSLinkServerConfiguration: Sendable {
    /// The secret a hello must present when no ``validateToken`` is set (`--auth-key`).
    public var secret: String
    /// Decides whether a hello's token is accepted (`token`, new client id). Replaces the
    /// comparison with ``secret`` (Python's `validateToken` hook). Tokens are never logged.
    public var validateToken: (@Sendable (_ token: String, _ clientID: String) async -> Bool)?
    /// Opt-in authenticated identities (`Protocols.md` §9): when set, the hello's `secret` is a
    /// bearer token (a JWT) checked by this verifier on the event loop, instead of
    /// ``validateToken`` and ``secret``. A refused or missing token is answered
    /// `−32000 Authentication failed` and the connection is closed with 4502
    /// (`CloseCode.unauthorized`); the accepted token reaches handlers as ``WSLinkContext/token``.
    public var tokenVerifier: (any TokenVerifier)?
    /// The largest WebSocket message the server sends (bigger messages go out in chunks),
    /// advertised to 2.x clients as `maxMsgSize`. Python: `WSLINK_MAX_MSG_SIZE` = 4 MiB.
    public var maxMessageSize: Int
    /// The largest message (declared 2.x size, or 1.x text) accepted before a successful
    /// hello. Large enough for a JWT; bigger messages close the connection with 1009.
    public var preAuthMessageLimit: Int
    /// The largest reassembled message accepted after the hello; bigger ones close with 1009.
    public var maxInboundMessageBytes: Int
    /// Bounds on partially received 2.x messages (and on 1.x attachments awaiting their envelope).
    public var reassembly: WSLinkUnchunker.Limits
    /// How long a connection may stay without a successful hello before it is closed (1008).
    public var handshakeTimeout: Duration
    /// Calls one connection may have running at once; further messages wait to be read.
    public var maxConcurrentCalls: Int
    /// Called by the built-in `application.exit` (after zero) and `application.exit.later`
    /// (after `secondsLater`, default 60). Without it those methods are unknown (−32601).
    public var onExitRequest: (@Sendable (_ after: Duration) -> Void)?
    /// Takes `wslink.subscribe` / `wslink.unsubscribe` announcements and lists
    /// `"capabilities": ["subscriptions"]` in the hello result (`Protocols.md` §4). A client that
    /// never announces still receives every topic. `false`: the hello result and the handling
    /// of `system:` ids are the Python server's, byte for byte.
    public var announcedSubscriptions = true

    /// Creates a configuration.
    public init(
        secret: String = "wslink-secret",
        maxMessageSize: Int = 4_194_304,
        preAuthMessageLimit: Int = 16 << 10,
        maxInboundMessageBytes: Int = 256 << 20,
        reassembly: WSLinkUnchunker.Limits = .default,
        handshakeTimeout: Duration = .seconds(30),
        maxConcurrentCalls: Int = 64
    ) {
        self.secret = secret
        self.maxMessageSize = maxMessageSize
        self.preAuthMessageLimit = preAuthMessageLimit
        self.maxInboundMessageBytes = maxInboundMessageBytes
        self.reassembly = reassembly
        self.handshakeTimeout = handshakeTimeout
        self.maxConcurrentCalls = maxConcurrentCalls
    }
}
