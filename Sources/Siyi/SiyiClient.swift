public import Logging
public import SwitchboardCore
import Synchronization

/// A siyi client: requests and events to the server, handlers for the server's requests and
/// events, automatic heartbeat answers and reconnect — wire-compatible with
/// `siyi-py-protocol`'s `ProtocolClient`, over any `ClientTransport`.
///
/// ```swift
/// let client = SiyiClient(transport: WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:8765"), logger: logger), logger: logger)
/// client.register("get_status") { _, _ in .object([.init(key: "status", value: .string("running"))]) }
/// client.connect()
/// guard await client.waitConnected(timeout: .seconds(5)) else { return }
/// let echo = try await client.request("echo", params: .object([.init(key: "message", value: .string("Hello"))]))
/// try await client.send(event: "player_update", data: .object([.init(key: "player", value: .string("Steve"))]))
/// await client.disconnect()
/// ```
public final class SiyiClient<Transport: ClientTransport>: SiyiEndpoint {
    private struct State {
        var channel: SiyiChannel?
        var stopped = false
        var background: Task<Void, Never>?
        var connections = 0
    }

    /// The client's tunables.
    public typealias Configuration = SiyiClientConfiguration

    /// The configuration in force.
    public let configuration: Configuration
    /// The request and event handlers (see ``SiyiEndpoint``).
    public let handlers: SiyiHandlerTable
    private let transport: Transport
    private let logger: Logger
    private let state = Mutex(State())
    private let changes = ChangeNotifier()

    /// Creates a client; nothing connects until ``connect()`` or ``run()``.
    public init(transport: Transport, configuration: SiyiClientConfiguration = .default, logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.handlers = SiyiHandlerTable(logger: logger)
    }

    /// Whether a connection is open right now.
    public var isConnected: Bool { state.withLock { $0.channel != nil } }

    /// Connections opened so far (a reconnect counts again).
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// Connects in the background and keeps reconnecting per the configuration until
    /// ``disconnect()``. Use ``waitConnected(timeout:)`` to wait for the connection.
    public func connect() {
        state.withLock { state in
            guard state.background == nil, !state.stopped else { return }
            // Unstructured on purpose: `connect()` mirrors the original's fire-and-forget
            // connect; the task is owned by the client and cancelled by `disconnect()`.
            state.background = Task { [self] in
                do {
                    try await run()
                } catch {
                    logger.info("siyi client stopped", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Runs the connection (and reconnects, if configured) in the calling task until
    /// ``disconnect()``, a terminal close code, or — without auto-reconnect — the end of the
    /// first connection. Throws ``SiyiError/Code/notConnected`` when it could not connect at
    /// all and will not retry.
    public func run() async throws {
        let policy = configuration.autoReconnect ? configuration.reconnect : .never
        let loop = ReconnectLoop(transport: transport, policy: policy, logger: logger)
        let connectionsBefore = connectionCount
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await loop.run { connection in await self.serve(connection) }
                }
                group.addTask {
                    await self.changes.wait { self.state.withLock { $0.stopped } }
                }
                // Whichever ends first ends the other: the loop giving up, or `disconnect()`.
                try await group.next()
                group.cancelAll()
            }
        } catch let error as SwitchboardError where error.code == .cancelled {
            return
        } catch let error as SwitchboardError where error.code == .attemptsExhausted {
            guard connectionCount > connectionsBefore || configuration.autoReconnect else {
                throw SiyiError(code: .notConnected, message: "cannot connect", cause: error)
            }
        }
    }

    private func serve(_ connection: Connection) async {
        let channel = SiyiChannel(
            peer: SiyiPeer(connection.info),
            outbound: .connection(SerialFrameWriter(connection.writer)),
            role: .client(heartbeatCommand: configuration.heartbeatCommand),
            maxInFlight: configuration.maxInFlight,
            defaultTimeout: configuration.requestTimeout,
            logger: logger
        )
        let stopped = state.withLock { state in
            if !state.stopped {
                state.channel = channel
                state.connections += 1
            }
            return state.stopped
        }
        changes.notify()
        if stopped {
            await channel.close(code: .normal)
            return
        }
        logger.info("siyi client connected")
        await channel.run(connection.inbound, router: { [handlers] in handlers.snapshot })
        state.withLock { state in
            if state.channel === channel { state.channel = nil }
        }
        changes.notify()
        logger.info("siyi client disconnected")
    }

    /// Waits until connected; `false` if `timeout` passed first (or the client was stopped).
    public func waitConnected(timeout: Duration) async -> Bool {
        _ = try? await withTimeout(timeout, "siyi connect") {
            await self.changes.wait { self.state.withLock { $0.channel != nil || $0.stopped } }
        }
        return isConnected
    }

    /// Closes the connection with 1000 and stops reconnecting; pending requests fail at once.
    public func disconnect() async {
        let (channel, background) = state.withLock { state in
            state.stopped = true
            defer { state.channel = nil }
            return (state.channel, state.background)
        }
        changes.notify()
        // Cancel before closing, so the reconnect loop cannot start another attempt.
        background?.cancel()
        channel?.failPending(SiyiError(code: .stopped, message: "client disconnected"))
        await channel?.close(code: .normal)
        await background?.value
    }

    /// Sends a request and waits for the response (error responses are returned as values).
    /// Throws ``SiyiError`` `.notConnected`, `.timeout`, `.connectionClosed` (at once when
    /// the connection drops while waiting) or `.invalidArgument`.
    public func request(_ command: String, params: JSONValue = .null, timeout: Duration? = nil) async throws -> SiyiResponse {
        try await currentChannel().request(SiyiRequest(command: command, params: params), timeout: timeout)
    }

    /// Typed request: `params` encoded from `Params`, the `data` of an ok response decoded as
    /// `Result`; an error response throws ``SiyiError/Code/errorResponse`` with its text.
    public func request<Params: Encodable, Result: Decodable>(
        _ command: String,
        params: Params,
        as type: Result.Type,
        timeout: Duration? = nil
    ) async throws -> Result {
        let response = try await request(command, params: try SiyiCoding.json(from: params), timeout: timeout)
        guard response.isSuccess else {
            throw SiyiError(code: .errorResponse, message: response.error ?? "error response without a message")
        }
        return try SiyiCoding.value(Result.self, from: response.data)
    }

    /// Sends an event. Throws ``SiyiError/Code/notConnected`` when not connected.
    public func send(event name: String, data: JSONValue = .null) async throws {
        try await currentChannel().send(SiyiEvent(name: name, data: data))
    }

    /// Typed event: `data` encoded from `Payload`.
    public func send<Payload: Encodable>(event name: String, payload: Payload) async throws {
        try await send(event: name, data: try SiyiCoding.json(from: payload))
    }

    private func currentChannel() throws(SiyiError) -> SiyiChannel {
        guard let channel = state.withLock({ $0.channel }) else {
            throw SiyiError(code: .notConnected, message: "the siyi client is not connected")
        }
        return channel
    }
}
