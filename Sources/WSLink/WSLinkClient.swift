public import Logging
public import MsgPack
public import SwitchboardCore
import Synchronization

/// A wslink client over any `ClientTransport`: hello, calls, subscriptions.
///
/// ```swift
/// let transport = WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:8080/ws"), logger: logger)
/// let client = WSLinkClient(transport: transport, configuration: .init(secret: "wslink-secret"), logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await client.run() }
///     let sum: Int = try await client.call("demo.add", args: [40], kwargs: ["b": 2])
///     for await tick in try client.subscribe("demo.tick") { print(tick) }
///     group.cancelAll()
/// }
/// ```
///
/// Unlike the JavaScript original, calls in flight fail with ``WSLinkError/Code/connectionClosed``
/// when the connection drops, every call has a timeout, and with a ``WSLinkClientConfiguration/reconnect``
/// policy the client reconnects and says hello again while subscriptions keep delivering.
public final class WSLinkClient<Transport: ClientTransport>: Sendable {
    struct State {
        var outbox: AsyncStream<[Frame]>.Continuation?
        var clientID: String?
        var serverMaxMessageSize = WSLinkClient.initialMaxMessageSize
        var nextCall = 0
        var nextAttachmentKey = 1
        var pending: [String: CheckedContinuation<MsgPackValue, any Error>] = [:]
        var subscribers: [String: [Int: AsyncStream<MsgPackValue>.Continuation]] = [:]
        var nextSubscriber = 0
        var terminal: WSLinkError?
        /// The server takes `wslink.subscribe` announcements (its hello listed the capability).
        var announces = false
        var nextAnnouncement = 0
        /// Topics announced on the current connection.
        var announced: Set<String> = []
    }

    /// The JS client's chunk size before the hello reply names the server's (512 KiB).
    static var initialMaxMessageSize: Int { 512 << 10 }

    /// Settings.
    public let configuration: WSLinkClientConfiguration
    let transport: Transport
    let logger: Logger
    let state = Mutex(State())
    let changes = ChangeNotifier()

    /// Creates a client; nothing happens until ``run()``.
    public init(transport: Transport, configuration: WSLinkClientConfiguration = .init(), logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    /// The client id of the current connection, once the hello succeeded.
    public var clientID: String? { state.withLock { $0.clientID } }

    /// Connects and keeps the connection (reconnecting if configured) until cancelled.
    /// Throws ``WSLinkError/Code/authenticationFailed`` when the server refuses the secret.
    /// Returns when the connection ends and no reconnect is configured.
    public func run() async throws {
        let loop = ReconnectLoop(transport: transport, policy: configuration.reconnect ?? .never, logger: logger)
        defer { stop(WSLinkError(code: .connectionClosed, message: "the client is not running")) }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await loop.run { connection in try await self.serve(connection) } }
                group.addTask {
                    await self.changes.wait { self.state.withLock { $0.terminal != nil } }
                    if let terminal = self.state.withLock({ $0.terminal }) { throw terminal }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as SwitchboardError where error.code == .attemptsExhausted && configuration.reconnect == nil {
            // Without reconnect the loop can finish before the watcher reports why the
            // connection ended (say, a refused secret): that reason wins over "no more attempts".
            if let terminal = state.withLock({ $0.terminal }) { throw terminal }
            return
        }
    }

    /// Waits until the hello succeeded and returns the client id.
    @discardableResult
    public func waitUntilReady(timeout: Duration? = nil) async throws -> String {
        try await withTimeoutMapped(timeout ?? configuration.callTimeout, "wslink hello") {
            try await self.readyClientID()
        }
    }

    /// Calls `method` and returns the raw result. Throws ``WSLinkError`` with code
    /// ``WSLinkError/Code/remote`` (the server's error in ``WSLinkError/remote``),
    /// ``WSLinkError/Code/timeout``, or ``WSLinkError/Code/connectionClosed``.
    public func call(
        _ method: String,
        args: [MsgPackValue] = [],
        kwargs: WSLinkKeywords = [:],
        timeout: Duration? = nil
    ) async throws -> MsgPackValue {
        try await withTimeoutMapped(timeout ?? configuration.callTimeout, "wslink call \(method)") {
            let clientID = try await self.readyClientID()
            return try await self.send(method: method, args: args, kwargs: kwargs, clientID: clientID)
        }
    }

    /// Calls `method` and decodes the result as `Result`.
    public func call<Result: Decodable>(
        _ method: String,
        args: [MsgPackValue] = [],
        kwargs: WSLinkKeywords = [:],
        as type: Result.Type = Result.self,
        timeout: Duration? = nil
    ) async throws -> Result {
        let value = try await call(method, args: args, kwargs: kwargs, timeout: timeout)
        return try MsgPackDecoder().decode(Result.self, from: value)
    }

    /// The publishes on `topic`, as they arrive, across reconnects; ends when the client
    /// stops or the consumer stops iterating. A server that lists the `subscriptions`
    /// capability in its hello (Switchboard) is told which topics are wanted, after every
    /// hello, so it sends only those; nothing is sent to one that does not (Python wslink
    /// publishes everything and the client filters). Throws ``WSLinkError/Code/invalidTopic`` for topics the server cannot publish.
    public func subscribe(_ topic: String) throws(WSLinkError) -> AsyncStream<MsgPackValue> {
        guard WSLinkPublisher.isValidTopic(topic) else {
            throw WSLinkError(code: .invalidTopic, message: "topic \"\(topic)\" is not dot-separated word characters; no publish can match it")
        }
        let (stream, continuation) = AsyncStream<MsgPackValue>.makeStream(bufferingPolicy: .bufferingNewest(configuration.subscriptionBuffer))
        let (id, stopped) = state.withLock { state -> (Int, Bool) in
            state.nextSubscriber += 1
            if state.terminal == nil { state.subscribers[topic, default: [:]][state.nextSubscriber] = continuation }
            announce(topic, state: &state)
            return (state.nextSubscriber, state.terminal != nil)
        }
        if stopped { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.subscribers[topic]?[id] = nil
                if state.subscribers[topic]?.isEmpty == true { state.subscribers[topic] = nil }
                self?.announce(topic, state: &state)
            }
        }
        return stream
    }

    // MARK: internals

    /// Tells a server that takes announcements whether `topic` is wanted, when that changed.
    func announce(_ topic: String, state: inout State) {
        guard state.announces, let clientID = state.clientID, let outbox = state.outbox else { return }
        let wanted = state.subscribers[topic] != nil
        guard wanted != state.announced.contains(topic) else { return }
        let request = WSLinkRequest(
            id: "system:\(clientID):\(state.nextAnnouncement)", method: wanted ? "wslink.subscribe" : "wslink.unsubscribe", args: [.string(topic)]
        )
        state.nextAnnouncement += 1
        do {
            outbox.yield(try encode(.request(request), state: &state))
        } catch {
            logger.warning("could not announce a subscription", metadata: ["wslink.topic": "\(topic)", "error": "\(error)"])
            return
        }
        if wanted { state.announced.insert(topic) } else { state.announced.remove(topic) }
    }

    private func readyClientID() async throws -> String {
        while true {
            await changes.wait { state.withLock { $0.clientID != nil || $0.terminal != nil } }
            try Task.checkCancellation()
            let clientID = try state.withLock { state in
                if let terminal = state.terminal { throw terminal }
                return state.clientID
            }
            // nil: the connection dropped between the wake-up and this check (the soak run
            // found it); wait for the next hello instead of trapping.
            if let clientID { return clientID }
        }
    }

    private func send(method: String, args: [MsgPackValue], kwargs: WSLinkKeywords, clientID: String) async throws -> MsgPackValue {
        let box = PendingID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MsgPackValue, any Error>) in
                let failure: (any Error)? = state.withLock { state in
                    guard let outbox = state.outbox, state.clientID == clientID else {
                        return WSLinkError(code: .connectionClosed, message: "RPC call \(method) unsuccessful: connection not open")
                    }
                    let id = "rpc:\(clientID):\(state.nextCall)"
                    state.nextCall += 1
                    let envelope = WSLinkEnvelope.request(WSLinkRequest(id: id, method: method, args: args, kwargs: kwargs))
                    do {
                        let frames = try encode(envelope, state: &state)
                        state.pending[id] = continuation
                        box.set(id)
                        outbox.yield(frames)
                        return nil
                    } catch {
                        return error
                    }
                }
                if let failure { continuation.resume(throwing: failure) }
            }
        } onCancel: {
            if let id = box.id, let continuation = state.withLock({ $0.pending.removeValue(forKey: id) }) {
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Encodes an outbound envelope for the configured generation (under the state lock:
    /// attachment keys and the chunk size live there).
    func encode(_ envelope: WSLinkEnvelope, state: inout State) throws(WSLinkError) -> [Frame] {
        switch configuration.generation {
        case .v2:
            return WSLinkChunker(maxMessageSize: state.serverMaxMessageSize).chunks(of: envelope.encoded()).map { .binary($0) }
        case .v1:
            var key = state.nextAttachmentKey
            defer { state.nextAttachmentKey = key }
            return try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.clientStyle) {
                defer { key += 1 }
                return key
            }
        }
    }

    /// Ends the client: calls fail with `error`, subscriptions finish.
    func stop(_ error: WSLinkError) {
        let (pending, subscribers) = state.withLock { state in
            if state.terminal == nil { state.terminal = error }
            state.clientID = nil
            defer {
                state.pending.removeAll()
                state.subscribers.removeAll()
            }
            return (Array(state.pending.values), state.subscribers.values.flatMap(\.values))
        }
        pending.forEach { $0.resume(throwing: error) }
        subscribers.forEach { $0.finish() }
        changes.notify()
    }

    private func withTimeoutMapped<R: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        do {
            return try await withTimeout(limit, what, body)
        } catch let error as SwitchboardError where error.code == .timeout {
            throw WSLinkError(code: .timeout, message: "\(what): no reply within \(limit)", cause: error)
        }
    }
}

/// The id a pending call was given, shared with its cancellation handler. Lock: `value` (a `Mutex`).
final class PendingID: Sendable {
    private let value = Mutex<String?>(nil)
    var id: String? { value.withLock { $0 } }
    func set(_ id: String) { value.withLock { $0 = id } }
}
