public import SwitchboardCore

/// A ``SiyiClient``'s tunables (also spelled `SiyiClient.Configuration`).
public struct SiyiClientConfiguration: Sendable {
    /// How long requests wait for a response unless a call says otherwise (30 s, the
    /// original's `request_timeout`).
    public var requestTimeout: Duration
    /// The command the server's heartbeat requests use (`heartbeat`); they are answered
    /// `{"status":"alive"}` at once, ahead of every handler.
    public var heartbeatCommand: String
    /// Whether to reconnect after a lost connection or a failed attempt. `false` really
    /// means no reconnect (the original still tried once).
    public var autoReconnect: Bool
    /// When to retry: exponential backoff with jitter (the original retried every 5 s
    /// forever). A close code that tells clients not to reconnect ends the loop.
    public var reconnect: ReconnectPolicy
    /// How many requests and events from the server may be handled at once (1024);
    /// past it requests are answered with an error and events dropped (logged).
    public var maxInFlight: Int

    /// Creates a configuration.
    public init(
        requestTimeout: Duration = .seconds(30),
        heartbeatCommand: String = "heartbeat",
        autoReconnect: Bool = true,
        reconnect: ReconnectPolicy = .default,
        maxInFlight: Int = 1024
    ) {
        precondition(requestTimeout > .zero, "requestTimeout must be positive")
        precondition(maxInFlight > 0, "maxInFlight must be positive")
        self.requestTimeout = requestTimeout
        self.heartbeatCommand = heartbeatCommand
        self.autoReconnect = autoReconnect
        self.reconnect = reconnect
        self.maxInFlight = maxInFlight
    }

    /// 30 s requests, `heartbeat`, reconnect with `ReconnectPolicy.default`.
    public static let `default` = SiyiClientConfiguration()
}
