import Logging
import SwitchboardCore
import Synchronization
import NIOCore

/// The siyi protocol on one connection, for either side: decodes inbound frames, matches
/// responses to this connection's pending requests, runs request and event handlers
/// concurrently (bounded), answers heartbeats (client side) or sends them (server side).
///
/// Responses are routed independently of handlers, so a handler (or `onConnect`) that sends
/// a request to the same peer gets its answer. When the inbound stream ends, every pending
/// request fails at once with ``SiyiError/Code/connectionClosed`` and running handlers are
/// cancelled.
final class SiyiChannel: Sendable {
    /// Which side of the protocol this channel plays.
    enum Role: Sendable {
        /// Sends `heartbeat` requests per the policy (nil: none) and closes a silent peer.
        case server(heartbeat: HeartbeatPolicy?, command: String)
        /// Answers requests named `heartbeatCommand` itself, ahead of any handler.
        case client(heartbeatCommand: String)
    }

    typealias Waiter = CheckedContinuation<SiyiResponse, any Error>

    let peer: SiyiPeer
    let role: Role
    let maxInFlight: Int
    let defaultTimeout: Duration
    let logger: Logger
    private let outbound: SiyiOutbound
    private let pending = Mutex(SiyiPendingRequests<Waiter>())
    private let inFlight = Atomic<Int>(0)

    init(peer: SiyiPeer, outbound: SiyiOutbound, role: Role, maxInFlight: Int, defaultTimeout: Duration, logger: Logger) {
        self.peer = peer
        self.outbound = outbound
        self.role = role
        self.maxInFlight = maxInFlight
        self.defaultTimeout = defaultTimeout
        var logger = logger
        logger[metadataKey: "siyi.peer"] = "\(peer.id.rawValue)"
        self.logger = logger
    }

    /// Requests sent on this connection still awaiting a response.
    var pendingCount: Int { pending.withLock { $0.count } }

    /// Inbound requests and events whose handlers are running.
    var handlersInFlight: Int { inFlight.load(ordering: .relaxed) }

    // MARK: outbound

    /// Sends `request` and waits for its response (error responses are returned, not thrown).
    /// Throws ``SiyiError`` `.timeout`, `.connectionClosed` (also at once when the connection
    /// drops while waiting) or `.invalidResponse`.
    func request(_ request: SiyiRequest, timeout: Duration? = nil) async throws -> SiyiResponse {
        try SiyiCoding.requireObjectOrNull(request.params, "params")
        let timeout = timeout ?? defaultTimeout
        let id = request.id
        let deadline = ContinuousClock.now + timeout
        try pending.withLock { try $0.register(id, deadline: deadline) }
        let frame = Frame.text(SiyiMessage.request(request).encoded())
        return try await withThrowingTaskGroup(of: SiyiResponse?.self) { group in
            group.addTask {
                // The deadline covers the send too: a peer that stopped reading cannot hold
                // the requester past its timeout.
                try? await Task.sleep(until: deadline, clock: .continuous)
                let expired = self.pending.withLock { $0.expire(id, now: ContinuousClock.now, timeout: timeout) }
                if case .resume(let waiter, let outcome) = expired { waiter.resume(with: outcome) }
                if case .kept = expired {
                    throw SiyiError(code: .timeout, message: "no response to request \(id) within \(timeout)")
                }
                return nil
            }
            group.addTask {
                do {
                    try await self.outbound.send(frame)
                } catch {
                    let waiter = self.pending.withLock { $0.remove(id) }
                    let failure = SiyiError(code: .connectionClosed, message: "cannot send request \(id): connection closed", cause: error)
                    waiter?.resume(throwing: failure)
                    throw failure
                }
                return try await self.waitForResponse(id)
            }
            while let result = try await group.next() {
                if let response = result {
                    group.cancelAll()
                    return response
                }
            }
            throw SiyiError(code: .timeout, message: "no response to request \(id) within \(timeout)")
        }
    }

    private func waitForResponse(_ id: SiyiMessageID) async throws -> SiyiResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: Waiter) in
                if let outcome = pending.withLock({ $0.attach(id, waiter: waiter) }) {
                    waiter.resume(with: outcome)
                }
            }
        } onCancel: {
            let resolution = pending.withLock {
                $0.resolve(id, with: .failure(SiyiError(code: .stopped, message: "request \(id) cancelled")))
            }
            if case .resume(let waiter, let outcome) = resolution { waiter.resume(with: outcome) }
        }
    }

    /// Sends an event (never answered).
    func send(_ event: SiyiEvent) async throws {
        try SiyiCoding.requireObjectOrNull(event.data, "event data")
        do {
            try await outbound.send(.text(SiyiMessage.event(event).encoded()))
        } catch {
            throw SiyiError(code: .connectionClosed, message: "cannot send event \(event.name): connection closed", cause: error)
        }
    }

    /// Closes the connection.
    func close(code: CloseCode, reason: String = "") async {
        await outbound.close(code: code, reason: reason)
    }

    /// Fails every pending request at once and refuses new ones.
    func failPending(_ error: SiyiError) {
        let waiters = pending.withLock { $0.close(error) }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    // MARK: inbound

    /// Serves the connection until its inbound frames end (or the task is cancelled).
    /// `router` is read for every message so handlers registered later still apply; `onOpen`
    /// runs concurrently with the receive loop, so requests it sends are answered.
    func run(
        _ inbound: InboundFrames,
        router: @escaping @Sendable () -> SiyiRouter,
        onOpen: (@Sendable () async -> Void)? = nil
    ) async {
        await withDiscardingTaskGroup { group in
            if let onOpen { group.addTask { await onOpen() } }
            if case .server(let policy?, let command) = role {
                group.addTask { await self.sendHeartbeats(policy, command: command) }
            }
            do {
                for try await frame in inbound {
                    await receive(frame, router: router, group: &group)
                }
            } catch {
                logger.debug("siyi connection ended with an error", metadata: ["error": "\(error)"])
            }
            failPending(SiyiError(code: .connectionClosed, message: "connection to \(peer) closed"))
            group.cancelAll()
        }
    }

    private func receive(_ frame: Frame, router: @escaping @Sendable () -> SiyiRouter, group: inout DiscardingTaskGroup) async {
        let message: SiyiMessage
        do {
            message = try Self.decode(frame)
        } catch {
            await reject(error)
            return
        }
        switch message {
        case .response(let response):
            settle(response.id, with: .success(response))
        case .request(let request):
            if case .client(let command) = role, request.command == command {
                // Answered here, ahead of (and independent of) the handlers, as the original.
                await reply(.success(id: request.id, data: .object([.init(key: "status", value: .string("alive"))])))
                return
            }
            guard reserveHandlerSlot() else {
                logger.warning("request refused: too many in flight", metadata: ["siyi.limit": "\(maxInFlight)", "siyi.command": "\(request.command)"])
                await reply(.failure(id: request.id, message: "too many requests in flight (limit \(maxInFlight))"))
                return
            }
            let peer = self.peer
            if let response = router().respondSynchronously(to: request, from: peer) {
                releaseHandlerSlot()
                await reply(response)
                return
            }
            group.addTask {
                defer { self.inFlight.subtract(1, ordering: .relaxed) }
                let response = await router().respond(to: request, from: peer)
                await self.reply(response)
            }
        case .event(let event):
            guard reserveHandlerSlot() else {
                logger.warning("event dropped: too many handlers in flight", metadata: ["siyi.limit": "\(maxInFlight)", "siyi.event": "\(event.name)"])
                return
            }
            let peer = self.peer
            group.addTask {
                defer { self.inFlight.subtract(1, ordering: .relaxed) }
                await router().deliver(event, from: peer)
            }
        }
    }

    /// Frees a slot taken with ``reserveHandlerSlot()``.
    func releaseHandlerSlot() {
        inFlight.subtract(1, ordering: .relaxed)
    }

    func reserveHandlerSlot() -> Bool {
        var current = inFlight.load(ordering: .relaxed)
        while current < maxInFlight {
            let (exchanged, original) = inFlight.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func settle(_ id: SiyiMessageID, with outcome: Result<SiyiResponse, SiyiError>) {
        let resolution = pending.withLock { $0.resolve(id, with: outcome) }
        switch resolution {
        case .resume(let waiter, let outcome): waiter.resume(with: outcome)
        case .kept: break
        case .unknown: logger.info("response to an unknown or expired request ignored", metadata: ["siyi.id": "\(id)"])
        }
    }

    /// Bad input: answered when it is a request with a usable id (decision S3), fails the
    /// pending request when it is a response to one, otherwise logged and dropped.
    private func reject(_ error: SiyiDecodingError) async {
        if let answer = rejection(error) { try? await outbound.send(answer) }
    }

    /// What bad input gets (see ``reject(_:)``): the answer to send, if any; a response to a
    /// pending request fails it here.
    func rejection(_ error: SiyiDecodingError) -> Frame? {
        logger.warning("invalid siyi message", metadata: ["error": "\(error)"])
        guard let id = error.id else { return nil }
        switch error.type {
        case "request":
            let json = SiyiResponse.json(id: id, status: "error", data: .null, error: error.message)
            return .text(json.encoded(.compact))
        case "response":
            if let string = id.stringValue {
                settle(SiyiMessageID(string), with: .failure(SiyiError(code: .invalidResponse, message: error.message)))
            }
            return nil
        default:
            return nil
        }
    }

    /// Decodes a frame the way both sides read them (text or binary JSON).
    static func decode(_ frame: Frame) throws(SiyiDecodingError) -> SiyiMessage {
        switch frame {
        case .text(let text): try SiyiMessage(decoding: text)
        case .binary(let buffer): try SiyiMessage(decoding: buffer)
        }
    }

    private func reply(_ response: SiyiResponse) async {
        do {
            try await outbound.send(.text(SiyiMessage.response(response).encoded()))
        } catch {
            logger.debug("response not sent: connection closing", metadata: ["siyi.id": "\(response.id)"])
        }
    }

    /// The original's heartbeat, kept alive on errors: every interval a `heartbeat` request;
    /// no answer within the timeout closes the peer with 4001.
    private func sendHeartbeats(_ policy: HeartbeatPolicy, command: String) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: policy.interval)
            } catch {
                return
            }
            do {
                let response = try await request(SiyiRequest(command: command), timeout: policy.timeout)
                if !response.isSuccess {
                    logger.warning("heartbeat answered with an error", metadata: ["error": "\(response.error ?? "null")"])
                }
            } catch let error as SiyiError where error.code == .timeout {
                logger.info("heartbeat not answered; closing", metadata: ["close.code": "\(CloseCode.heartbeatTimeout)"])
                await close(code: .heartbeatTimeout, reason: "heartbeat timeout")
                return
            } catch let error as SiyiError where error.code == .connectionClosed || error.code == .stopped {
                return
            } catch {
                logger.warning("heartbeat failed; still monitoring", metadata: ["error": "\(error)"])
            }
        }
    }
}
