import CoreMetrics
import DequeModule
import Logging
import MsgPack
import SwitchboardCore

/// One wslink connection on its event loop: feeds messages to the pure
/// ``WSLinkServerAdapter/StateMachine`` and performs what it returns. Synchronous RPC methods
/// run inline; `async` ones (and an async token validator) run as user work whose result comes
/// back to the loop. At most ``WSLinkServerConfiguration/maxConcurrentCalls`` async calls run at
/// once; beyond that calls wait here, in order, and the connection stops reading.
final class WSLinkConnectionHandler: ConnectionHandler {
    private let adapter: WSLinkServerAdapter
    private let session: Session
    private var machine: WSLinkServerAdapter.StateMachine
    let logger: Logger
    /// The token of the last accepted hello, when the adapter verifies tokens (§9).
    var verifiedToken: VerifiedToken?
    private var logged: Set<String> = []
    private var runningCalls = 0
    private var waitingCalls: Deque<(id: String, call: WSLinkCall)> = []
    /// Announced topics (`wslink.subscribe`); `nil` until the first hello was accepted.
    private var subscriptions: WSLinkSessionSubscriptions?
    /// Messages that arrived while an async token validation ran; handled after it, in order.
    private var heldDuringValidation: Deque<Frame> = []
    /// Request timers by method, when the server records metrics (methods the router does not
    /// have share `unknown`).
    private lazy var timers = RequestTimers.make(for: session, protocol: adapter.name)

    init(adapter: WSLinkServerAdapter, session: Session) {
        self.adapter = adapter
        self.session = session
        self.machine = WSLinkServerAdapter.StateMachine(clientID: WSLinkServerAdapter.makeClientID(), configuration: adapter.configuration)
        var logger = session.sessionLogger
        logger[metadataKey: "wslink.client_id"] = "\(machine.clientID)"
        self.logger = logger
    }

    var configuration: WSLinkServerConfiguration { adapter.configuration }
    private var generation: WSLinkGeneration { machine.generation ?? .v2 }

    func opened(context: ConnectionContext) {
        // Connections that never complete a hello are closed (the Python server keeps them forever).
        context.setTimer(at: .now + configuration.handshakeTimeout)
    }

    func timerFired(context: ConnectionContext) {
        guard !machine.isAuthenticated else { return }
        logger.info("closing: no successful wslink.hello", metadata: ["close.code": "\(CloseCode.policyViolation)"])
        context.close(code: .policyViolation, reason: "no successful wslink.hello within \(configuration.handshakeTimeout)")
    }

    func received(_ frame: Frame, context: ConnectionContext) {
        if case .validating = machine.phase {
            heldDuringValidation.append(frame)
            return
        }
        perform(machine.receive(frame, at: .now), context: context)
    }

    func closed(context: ConnectionContext) {
        adapter.publisher.unregister(session)
        if let subscriptions { adapter.publisher.unregisterListening(subscriptions) }
        subscriptions = nil
        waitingCalls.removeAll()
    }

    // MARK: - Actions

    private func perform(_ actions: [WSLinkServerAdapter.StateMachine.Action], context: ConnectionContext) {
        for action in actions {
            switch action {
            case .reply(let envelope):
                reply(envelope, context: context)
            case .validate(let token):
                validate(token, context: context)
            case .authenticated(let generation):
                context.setTimer(at: nil)
                if subscriptions == nil {
                    subscriptions = WSLinkSessionSubscriptions()
                    adapter.publisher.register(session, clientID: machine.clientID, generation: generation)
                }
                logger.debug("wslink.hello accepted", metadata: ["wslink.generation": "\(generation)"])
            case .subscribe(let id, let topic, let filter):
                announce(id: id, topic: topic, change: subscriptions?.subscribe(topic, filter: filter), context: context)
            case .unsubscribe(let id, let topic):
                announce(id: id, topic: topic, change: subscriptions?.unsubscribe(topic), context: context)
            case .dispatch(let id, let call):
                dispatch(id: id, call: call, context: context)
            case .exit(let id, let delay):
                reply(.result(id: id, result: .nil), context: context)
                logger.notice("exit requested by client", metadata: ["exit.after": "\(delay)"])
                configuration.onExitRequest?(delay)
            case .close(let code, let reason):
                logger.info("closing connection", metadata: ["close.code": "\(code)", "close.reason": "\(reason)"])
                context.close(code: code, reason: reason)
                return
            case .logOnce(let key, let message):
                if logged.insert(key).inserted { logger.info("\(message)") }
            }
        }
    }

    private func validate(_ token: String, context: ConnectionContext) {
        if let verifier = configuration.tokenVerifier {
            verifyBearer(token, with: verifier, context: context)
            return
        }
        guard let validateToken = configuration.validateToken else {
            helloValidated(WSLinkServerAdapter.constantTimeEquals(token, configuration.secret), context: context)
            return
        }
        let clientID = machine.clientID
        context.run({ await validateToken(token, clientID) }) { accepted, context in
            self.helloValidated(accepted, context: context)
            let held = self.heldDuringValidation
            self.heldDuringValidation = []
            for frame in held where !context.isClosing {
                self.received(frame, context: context)
            }
        }
    }

    func helloValidated(_ accepted: Bool, reason: String? = nil, context: ConnectionContext) {
        if !accepted {
            logger.info("wslink.hello refused", metadata: reason.map { ["auth.reason": "\($0)"] })
            session.manager?.metrics.authFailures(protocol: adapter.name).increment()
        }
        perform(machine.helloValidated(accepted), context: context)
    }

    // MARK: - Subscriptions

    private func announce(id: String, topic: String, change: WSLinkSessionSubscriptions.Change?, context: ConnectionContext) {
        // `change` is nil only before a hello, which the state machine already refused.
        guard let change, change != .tooMany else {
            reply(.error(id: id, error: WSLinkRPCError(
                code: WSLinkRPCError.invalidParamsCode,
                message: "Invalid request: more than \(WSLinkSessionSubscriptions.maxTopics) subscriptions on one connection"
            )), context: context)
            return
        }
        adapter.publisher.apply(change, topic: topic, session: session, generation: generation)
        var result: [(key: MsgPackValue, value: MsgPackValue)] = [(key: "topic", value: .string(topic))]
        let filter = subscriptions?.topics[topic]
        result.append((key: "subscribed", value: .bool(filter != nil)))
        if let keys = filter??.keys { result.append((key: "keys", value: .array(keys.map(MsgPackValue.string)))) }
        reply(.result(id: id, result: .map(result)), context: context)
    }

    // MARK: - Calls

    private func dispatch(id: String, call: WSLinkCall, context: ConnectionContext) {
        adapter.publisher.markActive(session)
        let callContext = WSLinkContext(clientID: machine.clientID, method: call.method, publisher: adapter.publisher, logger: logger, token: verifiedToken)
        let started = timers == nil ? nil : ContinuousClock.now
        if let outcome = adapter.router.dispatchSynchronously(call, context: callContext) {
            reply(Self.envelope(for: outcome, id: id), context: context, method: call.method)
            if let started { recordDuration(of: call.method, since: started) }
            return
        }
        guard runningCalls < configuration.maxConcurrentCalls else {
            waitingCalls.append((id, call))
            context.pauseInput()
            return
        }
        start(id: id, call: call, callContext: callContext, context: context)
    }

    private func start(id: String, call: WSLinkCall, callContext: WSLinkContext, context: ConnectionContext) {
        runningCalls += 1
        let router = adapter.router
        let publisher = adapter.publisher
        let generation = generation
        let logger = logger
        let started = timers == nil ? nil : ContinuousClock.now
        // The reply is encoded in the task too: a large result (64 MiB of `demo.bytes`) is then
        // copied into its chunks off the loop, which meanwhile keeps writing and reading.
        context.run({
            let outcome = await router.dispatch(call, context: callContext)
            return Self.frames(for: Self.envelope(for: outcome, id: id), generation: generation, publisher: publisher, logger: logger, method: call.method)
        }) { frames, context in
            self.runningCalls -= 1
            for frame in frames { context.write(frame) }
            if let started { self.recordDuration(of: call.method, since: started) }
            self.startWaitingCall(context: context)
        }
    }

    private func startWaitingCall(context: ConnectionContext) {
        guard let (id, call) = waitingCalls.popFirst() else {
            context.resumeInput()
            return
        }
        let callContext = WSLinkContext(clientID: machine.clientID, method: call.method, publisher: adapter.publisher, logger: logger, token: verifiedToken)
        start(id: id, call: call, callContext: callContext, context: context)
    }

    private func recordDuration(of method: String, since started: ContinuousClock.Instant) {
        // Only the router's own method names become labels: a client cannot grow the metrics.
        timers?.record(adapter.router.method(method) == nil ? "unknown" : method, since: started)
    }

    private static func envelope(for outcome: Result<MsgPackValue, WSLinkRPCError>, id: String) -> WSLinkEnvelope {
        switch outcome {
        case .success(let result): .result(id: id, result: result)
        case .failure(let error): .error(id: id, error: error)
        }
    }

    private func reply(_ envelope: WSLinkEnvelope, context: ConnectionContext, method: String? = nil) {
        if generation == .v2, let frame = adapter.publisher.singleFrame(for: envelope) {
            context.write(frame)
            return
        }
        for frame in Self.frames(for: envelope, generation: generation, publisher: adapter.publisher, logger: logger, method: method) {
            context.write(frame)
        }
    }

    /// The frames of a reply; a result that cannot be serialized becomes the documented error.
    private static func frames(
        for envelope: WSLinkEnvelope, generation: WSLinkGeneration, publisher: WSLinkPublisher, logger: Logger, method: String?
    ) -> [Frame] {
        do {
            return try publisher.frames(for: envelope, generation: generation)
        } catch {
            logger.warning("result cannot be serialized", metadata: ["rpc.method": "\(method ?? "-")", "error": "\(error)"])
            guard let id = envelope.id, let fallback = try? publisher.frames(
                for: .error(id: id, error: .resultNotSerializable(method ?? "")), generation: generation
            ) else { return [] }
            return fallback
        }
    }
}
