public import Logging

/// Keeps a client connected: connects through a ``ClientTransport``, runs a session body, and
/// after every disconnect waits as ``ReconnectPolicy`` says before trying again.
///
/// A close code whose ``CloseCode/shouldReconnect`` is false ends the loop, as does running
/// out of attempts or cancellation. The backoff starts over after a connection that stayed up
/// at least ``ReconnectPolicy/maxDelay``; shorter ones keep growing it. Every Swift client (wslink, CrossComm, siyi) drives its
/// connection with this loop.
///
/// ```swift
/// let loop = ReconnectLoop(transport: transport, policy: .default, logger: logger)
/// try await loop.run { connection in
///     try await login(on: connection)
///     for try await frame in connection.inbound { … }
/// }
/// ```
public struct ReconnectLoop<Transport: ClientTransport>: Sendable {
    /// Something that happened in the loop, for observers and tests.
    public enum Event: Sendable, Hashable {
        /// Attempt `attempt` (1 = the first connection) is starting.
        case connecting(attempt: Int)
        /// A connection opened.
        case connected
        /// A connection ended; `closeCode` is what the server sent, if anything.
        case disconnected(closeCode: CloseCode?)
        /// A connection attempt failed before it opened.
        case connectFailed(String)
        /// Waiting this long before the next attempt.
        case waiting(Duration)
        /// The loop ended for good; the reason says why.
        case stopped(String)
    }

    private let transport: Transport
    private let policy: ReconnectPolicy
    private let logger: Logger
    private let onEvent: @Sendable (Event) -> Void

    /// Creates a loop. `onEvent` is called synchronously for every ``Event``.
    public init(
        transport: Transport,
        policy: ReconnectPolicy,
        logger: Logger,
        onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        self.transport = transport
        self.policy = policy
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Runs until a terminal close, exhausted attempts or cancellation. Returns the last close
    /// code seen; throws ``SwitchboardError/Code/attemptsExhausted`` when the policy gives up
    /// and ``SwitchboardError/Code/cancelled`` when cancelled.
    @discardableResult
    public func run(_ body: @escaping @Sendable (Connection) async throws -> Void) async throws -> CloseCode? {
        var backoff = ReconnectBackoff(policy: policy)
        var attempt = 1
        while true {
            if Task.isCancelled { return try stop("cancelled", error: .cancelled) }
            onEvent(.connecting(attempt: attempt))
            let onEvent = self.onEvent
            let started = ContinuousClock.now
            do {
                let outcome = try await transport.withConnection { connection in
                    onEvent(.connected)
                    do {
                        try await body(connection)
                    } catch is CancellationError {
                        return
                    } catch {
                        // A failing body ends this connection only; the loop decides what next.
                    }
                }
                onEvent(.disconnected(closeCode: outcome.closeCode))
                // Only a connection that stayed up counts as recovery; a server that accepts
                // and drops at once must not be hammered at the initial delay forever.
                if ContinuousClock.now - started >= policy.maxDelay { backoff.reset() }
                if let code = outcome.closeCode, !code.shouldReconnect {
                    onEvent(.stopped("server closed with \(code)"))
                    logger.info("not reconnecting", metadata: ["close.code": "\(code)"])
                    return code
                }
            } catch {
                if Task.isCancelled { return try stop("cancelled", error: .cancelled) }
                onEvent(.connectFailed("\(error)"))
                logger.debug("connect failed", metadata: ["error": "\(error)"])
            }
            guard let delay = backoff.nextDelay() else {
                return try stop("gave up after \(backoff.attempts) attempts", error: .attemptsExhausted)
            }
            onEvent(.waiting(delay))
            do {
                try await Task.sleep(for: delay)
            } catch {
                return try stop("cancelled", error: .cancelled)
            }
            attempt += 1
        }
    }

    private func stop(_ reason: String, error code: SwitchboardError.Code) throws -> CloseCode? {
        onEvent(.stopped(reason))
        throw SwitchboardError(code: code, message: "reconnect loop stopped: \(reason)")
    }
}
