public import SwitchboardCore

/// Settings of a ``WSLinkClient``.
public struct WSLinkClientConfiguration: Sendable {
    /// The secret sent in `wslink.hello` (the JS client's default is `wslink-secret`).
    public var secret: String
    /// A bearer token (a JWT) sent in `wslink.hello` instead of ``secret``, for servers with
    /// authenticated identities (`Protocols.md` §9). `nil`: ``secret`` is sent.
    public var token: String?
    /// Which wire to speak: 2.x (msgpack, default) or 1.x (JSON + attachments).
    public var generation: WSLinkGeneration
    /// How long a call may wait (for the connection to be ready, and for its reply) unless
    /// the call says otherwise. The JS original waits forever.
    public var callTimeout: Duration
    /// Reconnect after a lost connection (a new hello and client id; subscriptions stay).
    /// `nil` connects once.
    public var reconnect: ReconnectPolicy?
    /// Bounds on reassembling the server's chunked messages.
    public var reassembly: WSLinkUnchunker.Limits
    /// The largest reassembled message accepted from the server.
    public var maxInboundMessageBytes: Int
    /// Publishes buffered per subscription before the oldest are dropped (a slow consumer
    /// must not grow memory without bound).
    public var subscriptionBuffer: Int

    /// Creates a configuration.
    public init(
        secret: String = "wslink-secret",
        generation: WSLinkGeneration = .v2,
        callTimeout: Duration = .seconds(60),
        reconnect: ReconnectPolicy? = nil,
        reassembly: WSLinkUnchunker.Limits = .init(maxBufferedBytes: 1 << 30, maxPartialMessages: 64),
        maxInboundMessageBytes: Int = 1 << 30,
        subscriptionBuffer: Int = 1024
    ) {
        self.secret = secret
        self.generation = generation
        self.callTimeout = callTimeout
        self.reconnect = reconnect
        self.reassembly = reassembly
        self.maxInboundMessageBytes = maxInboundMessageBytes
        self.subscriptionBuffer = subscriptionBuffer
    }
}
