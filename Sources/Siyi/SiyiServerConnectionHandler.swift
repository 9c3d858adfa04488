import CoreMetrics
import Logging
import SwitchboardCore

/// One siyi server connection on its event loop: responses settle this peer's pending
/// requests, synchronous command handlers answer inline, async handlers and events run as user
/// work (bounded per peer) whose answers come back to the loop, and the protocol's heartbeat
/// is one timer: a `heartbeat` request every interval, no answer within the timeout → 4001.
final class SiyiServerConnectionHandler: ConnectionHandler {
    private let server: SiyiServer
    private let channel: SiyiChannel
    private let session: Session
    /// The heartbeat request awaiting its answer, and when it expires.
    private var heartbeat: (id: SiyiMessageID, deadline: ContinuousClock.Instant)?
    /// The handler table as of the last registration.
    private var routers = SiyiRouterCache()
    /// Request timers by command, when the server records metrics (commands without a handler
    /// share `unknown`).
    private lazy var timers = RequestTimers.make(for: session, protocol: server.name)
    /// When the next heartbeat request is due (none while one awaits its answer).
    private var nextHeartbeat: ContinuousClock.Instant?
    /// Until the first message siyi accepts (``SiyiServer/Configuration/handshakeTimeout``).
    private var handshake: HandshakeDeadline

    init(server: SiyiServer, channel: SiyiChannel, session: Session) {
        self.server = server
        self.channel = channel
        self.session = session
        self.handshake = HandshakeDeadline(timeout: server.configuration.handshakeTimeout, openedAt: .now)
    }

    private var logger: Logger { channel.logger }

    func opened(context: ConnectionContext) {
        if let policy = server.configuration.heartbeat { nextHeartbeat = .now + policy.interval }
        armTimer(context: context)
    }

    /// The one timer: the earliest of the handshake deadline, the pending heartbeat's deadline
    /// and the next heartbeat.
    private func armTimer(context: ConnectionContext) {
        if let next = handshake.earliest(heartbeat?.deadline ?? nextHeartbeat) { context.setTimer(at: next) }
    }

    func closed(context: ConnectionContext) {
        // The peer leaves the table before its waiters wake: a caller that retries after
        // `.connectionClosed` gets `.notConnected`, not the closed channel again.
        server.disconnected(channel.peer)
        channel.failPending(SiyiError(code: .connectionClosed, message: "connection to \(channel.peer) closed"))
    }

    // MARK: - Heartbeat

    func timerFired(context: ConnectionContext) {
        let now = ContinuousClock.now
        if handshake.isExpired(at: now) {
            let timeout = handshake.timeout.map { "\($0)" } ?? "-"
            logger.notice("closing: nothing accepted received in time", metadata: ["siyi.handshake_timeout": "\(timeout)"])
            context.close(code: .policyViolation, reason: "no siyi message within \(timeout)")
            return
        }
        guard let policy = server.configuration.heartbeat else { return }
        if let heartbeat {
            guard now >= heartbeat.deadline else {
                armTimer(context: context)
                return
            }
            logger.info("heartbeat not answered; closing", metadata: ["close.code": "\(CloseCode.heartbeatTimeout)"])
            context.close(code: .heartbeatTimeout, reason: "heartbeat timeout")
            return
        }
        guard let due = nextHeartbeat, now >= due else {
            armTimer(context: context)
            return
        }
        let request = SiyiRequest(command: server.configuration.heartbeatCommand)
        heartbeat = (request.id, now + policy.timeout)
        nextHeartbeat = nil
        context.write(.text(SiyiMessage.request(request).encoded()))
        armTimer(context: context)
    }

    private func heartbeatAnswered(_ response: SiyiResponse, context: ConnectionContext) {
        heartbeat = nil
        if !response.isSuccess {
            logger.warning("heartbeat answered with an error", metadata: ["error": "\(response.error ?? "null")"])
        }
        if let policy = server.configuration.heartbeat { nextHeartbeat = .now + policy.interval }
        armTimer(context: context)
    }

    // MARK: - Messages

    func received(_ frame: Frame, context: ConnectionContext) {
        let message: SiyiMessage
        do {
            message = try SiyiChannel.decode(frame)
        } catch {
            if let answer = channel.rejection(error) { context.write(answer) }
            return
        }
        if handshake.isPending {
            handshake.satisfy()
            armTimer(context: context)
        }
        switch message {
        case .response(let response):
            if let heartbeat, heartbeat.id == response.id {
                heartbeatAnswered(response, context: context)
            } else {
                channel.settle(response.id, with: .success(response))
            }
        case .request(let request):
            guard channel.reserveHandlerSlot() else {
                logger.warning("request refused: too many in flight", metadata: ["siyi.limit": "\(channel.maxInFlight)", "siyi.command": "\(request.command)"])
                reply(.failure(id: request.id, message: "too many requests in flight (limit \(channel.maxInFlight))"), context: context)
                return
            }
            let router = routers.current(server.handlers)
            let peer = channel.peer
            let timed = timers != nil
            let started = timed ? ContinuousClock.now : nil
            let command = timed && (router.commands[request.command] != nil || router.syncCommands[request.command] != nil)
                ? request.command : "unknown"
            if let response = router.respondSynchronously(to: request, from: peer) {
                channel.releaseHandlerSlot()
                reply(response, context: context)
                if let started { recordDuration(of: command, since: started) }
                return
            }
            let channel = self.channel
            context.run({ await router.respond(to: request, from: peer) }) { response, context in
                channel.releaseHandlerSlot()
                self.reply(response, context: context)
                if let started { self.recordDuration(of: command, since: started) }
            }
        case .event(let event):
            guard channel.reserveHandlerSlot() else {
                logger.warning("event dropped: too many handlers in flight", metadata: ["siyi.limit": "\(channel.maxInFlight)", "siyi.event": "\(event.name)"])
                return
            }
            let router = routers.current(server.handlers)
            let peer = channel.peer
            let channel = self.channel
            context.run({ await router.deliver(event, from: peer) }) { _, _ in channel.releaseHandlerSlot() }
        }
    }

    private func recordDuration(of command: String, since started: ContinuousClock.Instant) {
        timers?.record(command, since: started)
    }

    private func reply(_ response: SiyiResponse, context: ConnectionContext) {
        context.write(.text(SiyiMessage.response(response).encoded()))
    }
}
