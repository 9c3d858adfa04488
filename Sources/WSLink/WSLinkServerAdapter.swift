public import Logging
import MsgPack
public import SwitchboardCore
import Synchronization

/// Serves wslink (both wire generations) on every connection routed to `wslink`.
///
/// ```swift
/// var router = WSLinkRouter()
/// router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
/// let adapter = WSLinkServerAdapter(router: router, configuration: .init(secret: "wslink-secret"), logger: logger)
/// let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: logger)
/// // route "/ws" to adapter "wslink" in the transport's configuration
/// ```
///
/// Each connection picks its generation from its first data message (binary → 2.x, text →
/// 1.x), must say `wslink.hello` with a valid secret before anything else is served, and may
/// run up to ``WSLinkServerConfiguration/maxConcurrentCalls`` calls at once. Malformed input
/// never affects other connections: requests with an id get an error reply at that id, and
/// framing violations close only the offending connection with a code listed in
/// `Protocols.md` §4.
public struct WSLinkServerAdapter: ProtocolAdapter {
    /// `wslink`.
    public let name: String
    /// The RPC table.
    public let router: WSLinkRouter
    /// Settings.
    public let configuration: WSLinkServerConfiguration
    /// Publishes to this adapter's authenticated clients.
    public let publisher: WSLinkPublisher
    private let logger: Logger

    /// Creates the adapter; `name` is what routes refer to.
    public init(name: String = "wslink", router: WSLinkRouter, configuration: WSLinkServerConfiguration = .init(), logger: Logger) {
        self.name = name
        self.router = router
        self.configuration = configuration
        self.publisher = WSLinkPublisher(maxMessageSize: configuration.maxMessageSize, logger: logger)
        self.logger = logger
    }

    /// A new client id: `c` followed by 32 lowercase hex digits (Python's `"c" + uuid4().hex`).
    public static func makeClientID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(generator.next() as UInt64, radix: 16)
        return "c" + String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
    }

    /// Runs one connection until the peer leaves or the adapter closes it.
    public func handle(_ connection: Connection, session: Session) async {
        var machine = StateMachine(clientID: Self.makeClientID(), configuration: configuration)
        var sessionLogger = session.sessionLogger
        sessionLogger[metadataKey: "wslink.client_id"] = "\(machine.clientID)"
        let logger = sessionLogger
        let calls = CallTracker()
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Closes connections that never complete a hello (the Python server keeps them
                // forever). Ends as soon as the hello succeeds: a task sleeping out the whole
                // handshake window would cost every idle session its memory for that long.
                _ = try? await withTimeout(configuration.handshakeTimeout) { await calls.waitUntilAuthenticated() }
                if !Task.isCancelled && !calls.isAuthenticated {
                    logger.info("closing: no successful wslink.hello", metadata: ["close.code": "\(CloseCode.policyViolation)"])
                    session.close(code: .policyViolation, reason: "no successful wslink.hello within \(configuration.handshakeTimeout)")
                }
            }
            var logged: Set<String> = []
            do {
                frames: for try await frame in connection.inbound {
                    var actions = machine.receive(frame, at: .now)
                    while !actions.isEmpty {
                        let action = actions.removeFirst()
                        switch action {
                        case .reply(let envelope):
                            await send(envelope, generation: machine.generation ?? .v2, on: session, logger: logger)
                        case .validate(let token):
                            let accepted = await validate(token, clientID: machine.clientID)
                            if !accepted { logger.info("wslink.hello refused") }
                            actions.insert(contentsOf: machine.helloValidated(accepted), at: 0)
                        case .authenticated(let generation):
                            calls.markAuthenticated()
                            publisher.register(machine.clientID, session: session, generation: generation)
                            logger.debug("wslink.hello accepted", metadata: ["wslink.generation": "\(generation)"])
                        case .dispatch(let id, let call):
                            publisher.markActive(machine.clientID)
                            await calls.waitForSlot(limit: configuration.maxConcurrentCalls)
                            let generation = machine.generation ?? .v2
                            let context = WSLinkContext(clientID: machine.clientID, method: call.method, publisher: publisher, logger: logger)
                            group.addTask {
                                defer { calls.finish() }
                                let outcome = await router.dispatch(call, context: context)
                                let reply: WSLinkEnvelope = switch outcome {
                                case .success(let result): .result(id: id, result: result)
                                case .failure(let error): .error(id: id, error: error)
                                }
                                await send(reply, generation: generation, on: session, logger: logger, method: call.method)
                            }
                        case .exit(let id, let delay):
                            await send(.result(id: id, result: .nil), generation: machine.generation ?? .v2, on: session, logger: logger)
                            logger.notice("exit requested by client", metadata: ["exit.after": "\(delay)"])
                            configuration.onExitRequest?(delay)
                        case .close(let code, let reason):
                            logger.info("closing connection", metadata: ["close.code": "\(code)", "close.reason": "\(reason)"])
                            session.close(code: code, reason: reason)
                            break frames
                        case .logOnce(let key, let message):
                            if logged.insert(key).inserted { logger.info("\(message)") }
                        }
                    }
                }
            } catch {
                logger.debug("connection ended", metadata: ["error": "\(error)"])
            }
            group.cancelAll()
        }
        publisher.unregister(machine.clientID)
    }

    private func validate(_ token: String, clientID: String) async -> Bool {
        if let validateToken = configuration.validateToken { return await validateToken(token, clientID) }
        return Self.constantTimeEquals(token, configuration.secret)
    }

    /// Compares secrets without an early exit, so timing does not reveal a matching prefix.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = left.count ^ right.count
        for index in 0..<max(left.count, right.count) {
            difference |= Int((index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0))
        }
        return difference == 0
    }

    // Not inlined: its locals would otherwise enlarge the read loop's async frame, which every
    // open session keeps for its whole life (≈ 2.7 KiB per idle session, BENCHMARKS.md).
    @inline(never)
    private func send(
        _ envelope: WSLinkEnvelope,
        generation: WSLinkGeneration,
        on session: Session,
        logger: Logger,
        method: String? = nil
    ) async {
        var frames: [Frame]
        do {
            frames = try publisher.frames(for: envelope, generation: generation)
        } catch {
            logger.warning("result cannot be serialized", metadata: ["rpc.method": "\(method ?? "-")", "error": "\(error)"])
            guard let id = envelope.id, let fallback = try? publisher.frames(
                for: .error(id: id, error: .resultNotSerializable(method ?? "")), generation: generation
            ) else { return }
            frames = fallback
        }
        do {
            for frame in frames { try await session.send(frame) }
        } catch {
            logger.debug("reply not sent: session closing", metadata: ["error": "\(error)"])
        }
    }
}

/// Counts a connection's running calls so the read loop can wait for a free slot, and
/// carries the "authenticated" flag the handshake timer reads. Lock: `state` (a `Mutex`).
final class CallTracker: Sendable {
    private struct State {
        var running = 0
        var authenticated = false
    }

    private let state = Mutex(State())
    private let changes = ChangeNotifier()

    var isAuthenticated: Bool { state.withLock { $0.authenticated } }

    func markAuthenticated() {
        state.withLock { $0.authenticated = true }
        changes.notify()
    }

    /// Returns once the hello succeeded, or when the waiting task is cancelled.
    func waitUntilAuthenticated() async {
        await changes.wait { isAuthenticated }
    }

    func waitForSlot(limit: Int) async {
        await changes.wait { state.withLock { $0.running < limit } }
        state.withLock { $0.running += 1 }
    }

    func finish() {
        state.withLock { $0.running -= 1 }
        changes.notify()
    }
}
